namespace Duragent.Llm;

/// <summary>Reads environment variables; injectable so tests control API keys.</summary>
public interface IEnvironmentVariables
{
    /// <summary>The value of <paramref name="name"/>, or null when it is unset.</summary>
    string? Get(string name);
}

/// <summary>The process environment.</summary>
public sealed class ProcessEnvironmentVariables : IEnvironmentVariables
{
    /// <inheritdoc />
    public string? Get(string name) => Environment.GetEnvironmentVariable(name);
}
