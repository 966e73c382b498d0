using System.CommandLine;
using Duragent.Configuration;

namespace Duragent.Cli;

/// <summary>The options every command accepts: <c>-v/--verbose</c>, <c>-q/--quiet</c>, <c>-c/--config</c>, <c>--server</c>.</summary>
internal sealed class GlobalOptions
{
    /// <summary>The environment variable that gives <c>--server</c> a default.</summary>
    public const string ServerVariable = "DURAGENT_SERVER";

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
        Server = new Option<Uri?>("--server", "-s")
        {
            Description = $"Use the server at URL; never start one (default: ${ServerVariable})",
            HelpName = "URL",
            Recursive = true,
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
                if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
                {
                    return uri;
                }

                result.AddError($"--server expects an absolute http:// or https:// URL, not '{text}'.");
                return null;
            },
        };
    }

    public Option<bool> Verbose { get; }

    public Option<bool> Quiet { get; }

    public Option<string> Config { get; }

    public Option<Uri?> Server { get; }

    /// <summary>Adds every global option to <paramref name="root"/>.</summary>
    public void AddTo(RootCommand root)
    {
        root.Add(Verbose);
        root.Add(Quiet);
        root.Add(Config);
        root.Add(Server);
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
