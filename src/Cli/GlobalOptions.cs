using System.CommandLine;
using Duragent.Cli.Client;
using Duragent.Configuration;

namespace Duragent.Cli;

/// <summary>The options every command accepts: <c>-v/--verbose</c>, <c>-q/--quiet</c>, <c>-c/--config</c>, <c>--gateway</c>.</summary>
internal sealed class GlobalOptions
{
    /// <summary>The environment variable that gives <c>--gateway</c> a default.</summary>
    public const string GatewayVariable = "DURAGENT_GATEWAY";

    public GlobalOptions()
    {
        Verbose = new Option<bool>("--verbose", "-v")
        {
            Description = "More log output; repeat for more (-v debug, -vv trace)",
            Arity = ArgumentArity.Zero,
            Recursive = true,
        };
        Quiet = new Option<bool>("--quiet", "-q")
        {
            Description = "Only errors",
            Arity = ArgumentArity.Zero,
            Recursive = true,
        };
        Config = new Option<string>("--config", "-c")
        {
            Description = "The workspace configuration file",
            HelpName = "FILE",
            Recursive = true,
            DefaultValueFactory = _ => DuragentConfig.DefaultFileName,
        };
        Gateway = new Option<GatewayAddress?>("--gateway", "-g")
        {
            Description = $"Connect to the silo's Orleans gateway at HOST:PORT; never start a server (default: ${GatewayVariable})",
            HelpName = "HOST:PORT",
            Recursive = true,
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
                var address = GatewayAddress.TryParse(text, out var error);
                if (address is null)
                {
                    result.AddError($"--gateway: {error}.");
                }

                return address;
            },
        };
    }

    public Option<bool> Verbose { get; }

    public Option<bool> Quiet { get; }

    public Option<string> Config { get; }

    public Option<GatewayAddress?> Gateway { get; }

    /// <summary>Adds every global option to <paramref name="root"/>.</summary>
    public void AddTo(RootCommand root)
    {
        root.Add(Verbose);
        root.Add(Quiet);
        root.Add(Config);
        root.Add(Gateway);
    }

    /// <summary>-1 for <c>-q</c>, 0 by default, then one more per <c>-v</c>.</summary>
    public int GetVerbosity(ParseResult parseResult)
    {
        if (parseResult.GetValue(Quiet))
        {
            return -1;
        }

        return parseResult.GetResult(Verbose)?.IdentifierTokenCount ?? 0;
    }
}
