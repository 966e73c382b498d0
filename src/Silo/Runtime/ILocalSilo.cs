namespace Duragent.Runtime;

/// <summary>This silo's identity, as it appears in <see cref="GrainAddress.SiloAddress"/>.</summary>
public interface ILocalSilo
{
    /// <summary>Unique per silo process start, e.g. <c>pi4/1234/01JD…</c> (host, process id, start ULID).</summary>
    string Address { get; }
}

/// <summary>The default <see cref="ILocalSilo"/>: host name, process id and a ULID taken at start.</summary>
internal sealed class LocalSilo : ILocalSilo
{
    public string Address { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Ulid.NewUlid()}";
}
