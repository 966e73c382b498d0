using Duragent.Cli;
using Duragent.Cli.Output;

namespace Duragent.Integration.Tests.Cli;

/// <summary>Runs the CLI in this process with captured, non-terminal streams (for fast parse and scaffold tests).</summary>
internal static class InProcessCli
{
    public static async Task<CliResult> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = new CliConsole(new StringReader(string.Empty), output, error, inputIsTerminal: false, outputIsTerminal: false, errorIsTerminal: false);
        var exit = await CliApp.RunAsync(args, console);
        return new CliResult(exit, output.ToString(), error.ToString());
    }
}
