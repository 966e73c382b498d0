namespace Duragent.Cli;

internal static class CliApp
{
    public static Task<int> RunAsync(string[] args)
    {
        Console.Error.WriteLine("duragent: not built yet");
        return Task.FromResult(args.Length == 0 ? 1 : 1);
    }
}
