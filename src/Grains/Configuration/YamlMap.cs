using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Duragent.Configuration;

/// <summary>
/// Typed, located reads from one YAML mapping. Every accessor records its key as known; a read that fails adds
/// an error naming the key path, what was expected and what was found, and returns null. After reading,
/// <see cref="WarnUnknownKeys"/> reports the keys nobody asked for (typos), with a suggestion when one is close.
/// </summary>
internal sealed class YamlMap
{
    private readonly YamlMappingNode _node;
    private readonly Dictionary<string, (YamlScalarNode Key, YamlNode Value)> _entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    private YamlMap(YamlFile file, YamlMappingNode node, string path)
    {
        File = file;
        _node = node;
        Path = path;
        foreach (var (key, value) in node.Children)
        {
            if (key is YamlScalarNode scalar && scalar.Value is not null)
            {
                _entries[scalar.Value] = (scalar, value);
            }
            else
            {
                var where = path.Length == 0 ? "at the top level" : $"in {path}";
                file.Warning(key.Start, $"a key that is {YamlFile.Describe(key)} {where} is ignored; expected plain text keys");
            }
        }
    }

    public YamlFile File { get; }

    /// <summary>The dotted path of this mapping, e.g. <c>spec.model</c>; empty for the root.</summary>
    public string Path { get; }

    /// <summary>Where the mapping starts.</summary>
    public Mark Start => _node.Start;

    /// <summary>Wraps <paramref name="node"/> when it is a mapping; otherwise reports "expected <paramref name="expected"/>".</summary>
    public static YamlMap? From(YamlFile file, YamlNode node, string path, string expected)
    {
        if (node is YamlMappingNode mapping)
        {
            return new YamlMap(file, mapping, path);
        }

        var where = path.Length == 0 ? "the file" : path;
        file.Error(node.Start, $"{where}: expected {expected}, found {YamlFile.Describe(node)}");
        return null;
    }

    /// <summary>The full path of a key in this mapping, e.g. <c>spec.model.name</c>.</summary>
    public string Describe(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    /// <summary>The keys present in the mapping, in file order.</summary>
    public IEnumerable<string> Keys => _entries.Keys;

    /// <summary>True when the key is present with a non-null value.</summary>
    public bool Has(string key)
    {
        _known.Add(key);
        return _entries.TryGetValue(key, out var entry) && !YamlFile.IsNull(entry.Value);
    }

    /// <summary>True when the key is present at all, even with a null value.</summary>
    public bool Contains(string key)
    {
        _known.Add(key);
        return _entries.ContainsKey(key);
    }

    /// <summary>The raw value node, or null when absent or null.</summary>
    public YamlNode? Node(string key)
    {
        _known.Add(key);
        return _entries.TryGetValue(key, out var entry) && !YamlFile.IsNull(entry.Value) ? entry.Value : null;
    }

    /// <summary>Where the key's value starts (or the key, or the mapping, when there is no value).</summary>
    public Mark ValueMark(string key) =>
        _entries.TryGetValue(key, out var entry) ? entry.Value.Start : _node.Start;

    /// <summary>Where the key itself starts (or the mapping when the key is absent).</summary>
    public Mark KeyMark(string key) =>
        _entries.TryGetValue(key, out var entry) ? entry.Key.Start : _node.Start;

    /// <summary>Reports that a required key is missing, located at the start of this mapping.</summary>
    public void Missing(string key, string expected) =>
        File.Error(_node.Start, $"{Describe(key)} is missing; expected {expected}");

    public void Error(string key, string message) => File.Error(ValueMark(key), $"{Describe(key)}: {message}");

    public void Warning(string key, string message) => File.Warning(KeyMark(key), $"{Describe(key)}: {message}");

    public string? String(string key)
    {
        var node = Node(key);
        if (node is null)
        {
            return null;
        }

        if (node is YamlScalarNode scalar)
        {
            return scalar.Value ?? string.Empty;
        }

        Error(key, $"expected a text value, found {YamlFile.Describe(node)}");
        return null;
    }

    public string? RequiredString(string key, string expected)
    {
        if (!Has(key))
        {
            Missing(key, expected);
            return null;
        }

        var value = String(key);
        if (value is not null && value.Trim().Length == 0)
        {
            Error(key, $"expected {expected}, found an empty text");
            return null;
        }

        return value;
    }

    public long? Long(string key, long min, long max = long.MaxValue)
    {
        var node = Node(key);
        if (node is null)
        {
            return null;
        }

        var range = max == long.MaxValue ? $"a whole number ≥ {min}" : $"a whole number from {min} to {max}";
        if (node is YamlScalarNode scalar
            && long.TryParse(scalar.Value?.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            if (value >= min && value <= max)
            {
                return value;
            }

            Error(key, $"expected {range}, found {value}");
            return null;
        }

        Error(key, $"expected {range}, found {YamlFile.Describe(node)}");
        return null;
    }

    public int? Int(string key, int min, int max = int.MaxValue)
    {
        var value = Long(key, min, max == int.MaxValue ? long.MaxValue : max);
        if (value > int.MaxValue)
        {
            Error(key, $"expected a whole number from {min} to {int.MaxValue}, found {value}");
            return null;
        }

        return (int?)value;
    }

    public double? Double(string key, double min, double max)
    {
        var node = Node(key);
        if (node is null)
        {
            return null;
        }

        var range = string.Create(CultureInfo.InvariantCulture, $"a number from {min} to {max}");
        if (node is YamlScalarNode scalar
            && double.TryParse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            && double.IsFinite(value))
        {
            if (value >= min && value <= max)
            {
                return value;
            }

            Error(key, $"expected {range}, found {value.ToString(CultureInfo.InvariantCulture)}");
            return null;
        }

        Error(key, $"expected {range}, found {YamlFile.Describe(node)}");
        return null;
    }

    public bool? Bool(string key)
    {
        var node = Node(key);
        if (node is null)
        {
            return null;
        }

        if (node is YamlScalarNode scalar)
        {
            if (string.Equals(scalar.Value, "true", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            if (string.Equals(scalar.Value, "false", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        Error(key, $"expected true or false, found {YamlFile.Describe(node)}");
        return null;
    }

    /// <summary>Reads one of a fixed set of words (case-sensitive, as written in the docs).</summary>
    public T? Enum<T>(string key, IReadOnlyList<KeyValuePair<string, T>> values)
        where T : struct
    {
        var node = Node(key);
        if (node is null)
        {
            return null;
        }

        if (node is YamlScalarNode scalar)
        {
            foreach (var (name, value) in values)
            {
                if (string.Equals(name, scalar.Value, StringComparison.Ordinal))
                {
                    return value;
                }
            }
        }

        var names = values.Select(v => v.Key).Distinct(StringComparer.Ordinal);
        Error(key, $"expected one of {string.Join(", ", names)}, found {YamlFile.Describe(node)}");
        return null;
    }

    /// <summary>A nested mapping; null when absent or null (a key with nothing below it).</summary>
    public YamlMap? Map(string key, string expected = "a mapping")
    {
        var node = Node(key);
        return node is null ? null : From(File, node, Describe(key), expected);
    }

    /// <summary>The items of a list; null when absent or null.</summary>
    public IReadOnlyList<YamlNode>? List(string key, string expected = "a list")
    {
        var node = Node(key);
        if (node is null)
        {
            return null;
        }

        if (node is YamlSequenceNode sequence)
        {
            return sequence.Children.ToList();
        }

        Error(key, $"expected {expected}, found {YamlFile.Describe(node)}");
        return null;
    }

    /// <summary>A list of text values (numbers and words are taken as written).</summary>
    public IReadOnlyList<string>? StringList(string key)
    {
        var items = List(key, "a list of text values");
        if (items is null)
        {
            return null;
        }

        var result = new List<string>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is YamlScalarNode scalar && !YamlFile.IsNull(scalar))
            {
                result.Add(scalar.Value ?? string.Empty);
            }
            else
            {
                File.Error(items[i].Start, $"{Describe(key)}[{i}]: expected a text value, found {YamlFile.Describe(items[i])}");
            }
        }

        return result;
    }

    /// <summary>A mapping of text keys to text values.</summary>
    public IReadOnlyDictionary<string, string>? StringMap(string key)
    {
        var node = Node(key);
        if (node is null)
        {
            return null;
        }

        if (node is not YamlMappingNode mapping)
        {
            Error(key, $"expected a mapping of names to text values, found {YamlFile.Describe(node)}");
            return null;
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in mapping.Children)
        {
            var name = (k as YamlScalarNode)?.Value;
            if (name is null)
            {
                File.Error(k.Start, $"{Describe(key)}: expected a plain key, found {YamlFile.Describe(k)}");
            }
            else if (v is YamlScalarNode scalar)
            {
                result[name] = YamlFile.IsNull(scalar) ? string.Empty : scalar.Value ?? string.Empty;
            }
            else
            {
                File.Error(v.Start, $"{Describe(key)}.{name}: expected a text value, found {YamlFile.Describe(v)}");
            }
        }

        return result;
    }

    /// <summary>Warns about every key that no accessor asked for.</summary>
    public void WarnUnknownKeys()
    {
        foreach (var (name, entry) in _entries)
        {
            if (_known.Contains(name))
            {
                continue;
            }

            var where = Path.Length == 0 ? "at the top level" : $"in {Path}";
            var suggestion = Closest(name, _known);
            var hint = suggestion is null ? string.Empty : $"; did you mean '{suggestion}'?";
            File.Warning(entry.Key.Start, $"unknown key '{name}' {where} is ignored{hint}");
        }
    }

    private static string? Closest(string name, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Distance(name.ToLowerInvariant(), candidate);
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return bestDistance <= Math.Max(1, Math.Min(3, name.Length / 3)) ? best : null;
    }

    // Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps cost 1.
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
