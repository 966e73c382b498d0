using System.Text;

namespace Duragent.Configuration;

/// <summary>The <c>gateways</c> section of <c>duragent.yaml</c>: chat gateway plugins.</summary>
public sealed record GatewaysConfig
{
    /// <summary>The first-party Telegram plugin; null when not configured.</summary>
    public BuiltInGatewayConfig? Telegram { get; init; }

    /// <summary>The first-party Discord plugin; null when not configured.</summary>
    public BuiltInGatewayConfig? Discord { get; init; }

    /// <summary>Other gateway plugins, started as child processes speaking JSON Lines on stdio.</summary>
    public IReadOnlyList<ExternalGatewayConfig> External { get; init; } = [];

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Telegram = ").Append(Telegram?.ToString() ?? "(none)")
            .Append(", Discord = ").Append(Discord?.ToString() ?? "(none)")
            .Append(", External = [").AppendJoin(", ", External).Append(']');
        return true;
    }
}

/// <summary><c>gateways.telegram</c> / <c>gateways.discord</c>.</summary>
public sealed record BuiltInGatewayConfig
{
    /// <summary>Whether the gateway runs; true by default.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The bot token (redacted in <see cref="ToString"/>).</summary>
    public string? BotToken { get; init; }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Enabled = ").Append(Enabled).Append(", BotToken = ").Append(ServerConfig.Redact(BotToken));
        return true;
    }
}

/// <summary>When a gateway plugin process is restarted after it exits.</summary>
public enum GatewayRestartPolicy
{
    /// <summary>Restart after a failure (non-zero exit or crash), not after a clean exit.</summary>
    OnFailure = 0,

    /// <summary>Restart after every exit.</summary>
    Always = 1,

    /// <summary>Never restart.</summary>
    Never = 2,
}

/// <summary>One entry of <c>gateways.external</c>.</summary>
public sealed record ExternalGatewayConfig
{
    /// <summary>The default restart policy: <see cref="GatewayRestartPolicy.OnFailure"/>.</summary>
    public const GatewayRestartPolicy DefaultRestart = GatewayRestartPolicy.OnFailure;

    /// <summary>The gateway name that routes match on (<c>routes[].match.gateway</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The executable: a full path when written as a relative path (<c>./plugins/x</c>), else looked up on PATH.</summary>
    public required string Command { get; init; }

    /// <summary>Command-line arguments.</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>Extra environment variables for the process (values redacted in <see cref="ToString"/>).</summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    /// <summary>When the process is restarted; <c>on_failure</c> by default.</summary>
    public GatewayRestartPolicy Restart { get; init; } = DefaultRestart;

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Name = ").Append(Name)
            .Append(", Command = ").Append(Command)
            .Append(", Args = [").AppendJoin(", ", Args).Append(']')
            .Append(", Env = [").AppendJoin(", ", Env.Keys.Select(k => k + "=***")).Append(']')
            .Append(", Restart = ").Append(Restart);
        return true;
    }
}
