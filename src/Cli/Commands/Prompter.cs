using Duragent.Cli.Output;

namespace Duragent.Cli.Commands;

/// <summary>Asks for a value on the terminal, with a default taken on an empty answer.</summary>
internal static class Prompter
{
    /// <summary>
    /// Asks <paramref name="question"/> until <paramref name="validate"/> accepts the answer (it returns an error
    /// message or null). End of input takes the default.
    /// </summary>
    public static string Ask(CliConsole console, string question, string defaultValue, Func<string, string?>? validate = null)
    {
        while (true)
        {
            console.Out.Write($"{question} [{defaultValue}]: ");
            console.Out.Flush();
            var line = console.In.ReadLine();
            var answer = string.IsNullOrWhiteSpace(line) ? defaultValue : line.Trim();
            var problem = validate?.Invoke(answer);
            if (problem is null)
            {
                return answer;
            }

            console.WriteError(problem);
            if (line is null)
            {
                throw new CliException(problem);
            }
        }
    }
}
