namespace Duragent.Cli.Client;

/// <summary>No server answered at <see cref="Target"/> (refused, reset, timed out, or its silo went away).</summary>
internal sealed class ServerUnavailableException(string target, Exception innerException)
    : Exception($"Cannot reach the Duragent server at {target}: {innerException.Message}", innerException)
{
    /// <summary>The Orleans gateway tried, <c>host:port</c>.</summary>
    public string Target { get; } = target;
}
