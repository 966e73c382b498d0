namespace Duragent.Configuration;

/// <summary>A loaded <c>duragent.yaml</c> and the warnings found in it (unknown keys, weak tokens), each located.</summary>
public sealed record DuragentConfigLoadResult(DuragentConfig Config, IReadOnlyList<ConfigDiagnostic> Warnings);
