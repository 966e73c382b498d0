using System.Globalization;

namespace Duragent.Bench;

/// <summary>Tiny <c>--name value</c> parser shared by the subcommands.</summary>
public sealed class BenchOptions
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public BenchOptions(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"unexpected argument '{args[i]}'");
            }

            _values[args[i][2..]] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
        }
    }

    public string? Get(string name) => _values.GetValueOrDefault(name);

    public int GetInt(string name, int fallback) =>
        _values.TryGetValue(name, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    public double GetDouble(string name, double fallback) =>
        _values.TryGetValue(name, out var text) ? double.Parse(text, CultureInfo.InvariantCulture) : fallback;

    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary><c>--name NAME=VALUE[,NAME=VALUE]</c>: environment variables for a child process.</summary>
    public Dictionary<string, string> GetEnvironment(string name)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (Get(name) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new ArgumentException($"--{name}: expected NAME=VALUE, got '{pair}'");
            }

            environment[pair[..equals]] = pair[(equals + 1)..];
        }

        return environment;
    }
}
