using System.CommandLine;
using System.CommandLine.Invocation;
using Duragent.Cli.Client;
using Duragent.Cli.Commands;
using Duragent.Cli.Output;
using Duragent.Configuration;

namespace Duragent.Cli;

/// <summary>
/// Parses the command line, runs the command, and turns failures into exit codes: usage errors print
/// <c>error: …</c> and exit 2, failures print <c>error: …</c> (red on a terminal) and exit 1.
/// </summary>
internal static class CliApp
{
    public static async Task<int> RunAsync(string[] args, CliConsole? console = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        console ??= CliConsole.FromProcess();
        var globals = new GlobalOptions();
        var root = DuragentCommandLine.Create(new CommandBinder(globals, console));
        var parseResult = root.Parse(args);
        var verbosity = globals.GetVerbosity(parseResult);
        if (parseResult.Action is ParseErrorAction)
        {
            return ReportUsageErrors(parseResult, console);
        }

        try
        {
            return await parseResult.InvokeAsync(new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                // The REPL and `serve` handle Ctrl-C themselves (cancel the turn, detach, stop gracefully).
                ProcessTerminationTimeout = null,
                Output = console.Out,
                Error = console.Error,
            });
        }
        catch (CliException ex)
        {
            console.WriteError(ex.Message);
            WriteDetails(console, ex.InnerException, verbosity);
            return ex.ExitCode;
        }
        catch (OperationCanceledException)
        {
            console.WriteError("cancelled");
            return ExitCodes.Error;
        }
        catch (Exception ex) when (ex is ConfigurationException || ClientErrors.IsReportable(ex))
        {
            console.WriteError(ex.Message);
            WriteDetails(console, ex.InnerException, verbosity);
            return ExitCodes.Error;
        }
        catch (Exception ex)
        {
            console.WriteError(Describe(ex));
            WriteDetails(console, ex, verbosity);
            return ExitCodes.Error;
        }
    }

    private static int ReportUsageErrors(ParseResult parseResult, CliConsole console)
    {
        var path = new List<string>();
        for (var result = parseResult.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            path.Insert(0, result.Command.Name);
        }

        var command = parseResult.CommandResult.Command;
        if (parseResult.Tokens.Count == 0 || (command.Subcommands.Count > 0 && command.Action is null && parseResult.UnmatchedTokens.Count == 0))
        {
            // `duragent` or `duragent session` alone: show what there is to run.
            parseResult.RootCommandResult.Command.Parse([.. path.Skip(1), "--help"])
                .Invoke(new InvocationConfiguration { Output = console.Error, Error = console.Error });
        }

        foreach (var error in parseResult.Errors)
        {
            console.WriteError(error.Message);
        }

        path[0] = "duragent";
        console.Error.WriteLine($"Run '{string.Join(' ', path)} --help' for usage.");
        return ExitCodes.Usage;
    }

    private static void WriteDetails(CliConsole console, Exception? exception, int verbosity)
    {
        if (exception is not null && verbosity > 0)
        {
            console.Error.WriteLine(exception.ToString());
        }
    }

    // "outer: inner: innermost", skipping repeats.
    private static string Describe(Exception exception)
    {
        var parts = new List<string>();
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (parts.Count == 0 || !parts[^1].Contains(current.Message, StringComparison.Ordinal))
            {
                parts.Add(current.Message);
            }
        }

        return string.Join(": ", parts);
    }
}
