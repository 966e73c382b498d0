using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Duragent.Policy;

/// <summary>
/// Reads and merges policy files, and saves "allow always" decisions to <c>policy.local.yaml</c>.
/// </summary>
/// <remarks>
/// File format: <c>apiVersion: duragent/v1alpha1</c> and <c>kind: Policy</c> (both optional), <c>mode</c>, <c>allow</c>,
/// <c>deny</c>, <c>approval_timeout_seconds</c>; <c>notify</c> is accepted for compatibility. Merge: <c>mode</c> and
/// <c>approval_timeout_seconds</c> from the most specific file that sets them; <c>allow</c> and <c>deny</c> are unions.
/// A file that cannot be read is not skipped (that would silently drop a deny list): the merged policy carries the
/// error and denies every call until the file is fixed.
/// </remarks>
public static class PolicyFiles
{
    /// <summary>The file name of a policy.</summary>
    public const string PolicyFileName = "policy.yaml";

    /// <summary>The file name of an agent's saved decisions.</summary>
    public const string LocalPolicyFileName = "policy.local.yaml";

    private static readonly Lock SaveGate = new();

    // Parsed files by path, valid while the file's modification time and length stay the same: a tool call costs a
    // stat per file, not a read and a parse.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, CachedFile> Cache = new(StringComparer.Ordinal);

    /// <summary>Loads and merges the files that exist among <paramref name="paths"/>, least specific first.</summary>
    public static ToolPolicy Load(params string[] paths)
    {
        var mode = PolicyMode.Dangerous;
        TimeSpan? timeout = null;
        var allow = new List<PolicyPattern>();
        var deny = new List<PolicyPattern>();
        var sources = new List<string>();
        foreach (var path in paths)
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                continue;
            }

            sources.Add(path);
            try
            {
                var file = ReadCached(info);
                mode = file.Mode ?? mode;
                timeout = file.ApprovalTimeout ?? timeout;
                AddDistinct(allow, file.Allow);
                AddDistinct(deny, file.Deny);
            }
            catch (Exception ex) when (ex is PolicyFileException or IOException or UnauthorizedAccessException)
            {
                return new ToolPolicy(PolicyMode.Restrict, [], [], null, ex.Message, sources);
            }
        }

        return new ToolPolicy(mode, allow, deny, timeout, null, sources);
    }

    /// <summary>Adds <paramref name="pattern"/> to the allow list of <paramref name="localPolicyPath"/> (created if missing), atomically.</summary>
    public static void AddAllowPattern(string localPolicyPath, string pattern)
    {
        ArgumentException.ThrowIfNullOrEmpty(localPolicyPath);
        if (PolicyPattern.Parse(pattern).AllowError is { } error)
        {
            throw new FormatException(error);
        }

        lock (SaveGate)
        {
            var existing = File.Exists(localPolicyPath) ? Parse(localPolicyPath, File.ReadAllText(localPolicyPath)) : null;
            var allow = existing?.Allow.Select(p => p.Text).ToList() ?? [];
            if (allow.Contains(pattern, StringComparer.Ordinal))
            {
                return;
            }

            allow.Add(pattern);
            var deny = existing?.Deny.Select(p => p.Text).ToList() ?? [];
            var yaml = new System.Text.StringBuilder();
            yaml.AppendLine("# Decisions saved by Duragent (\"allow always\"). Merged over policy.yaml; edit freely.");
            yaml.AppendLine("apiVersion: duragent/v1alpha1");
            yaml.AppendLine("kind: Policy");
            if (existing?.Mode is { } mode)
            {
                yaml.Append("mode: ").AppendLine(mode.ToString().ToLowerInvariant());
            }

            if (existing?.ApprovalTimeout is { } timeout)
            {
                yaml.Append("approval_timeout_seconds: ").AppendLine(((int)timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture));
            }

            AppendList(yaml, "allow", allow);
            AppendList(yaml, "deny", deny);
            var temp = localPolicyPath + ".tmp";
            File.WriteAllText(temp, yaml.ToString());
            File.Move(temp, localPolicyPath, overwrite: true);
            Cache.TryRemove(Path.GetFullPath(localPolicyPath), out _);
        }
    }

    private static PolicyFile ReadCached(FileInfo info)
    {
        if (Cache.TryGetValue(info.FullName, out var cached) && cached.WrittenAt == info.LastWriteTimeUtc && cached.Length == info.Length)
        {
            return cached.File;
        }

        var file = Parse(info.FullName, File.ReadAllText(info.FullName));
        Cache[info.FullName] = new CachedFile(info.LastWriteTimeUtc, info.Length, file);
        return file;
    }

    private sealed record CachedFile(DateTime WrittenAt, long Length, PolicyFile File);

    private static void AppendList(System.Text.StringBuilder yaml, string name, List<string> items)
    {
        if (items.Count == 0)
        {
            return;
        }

        yaml.Append(name).AppendLine(":");
        foreach (var item in items)
        {
            yaml.Append("  - ").AppendLine(Quote(item));
        }
    }

    private static string Quote(string text) =>
        "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal) + "\"";

    private static void AddDistinct(List<PolicyPattern> target, IEnumerable<PolicyPattern> items)
    {
        foreach (var item in items)
        {
            if (!target.Exists(p => p.Text == item.Text))
            {
                target.Add(item);
            }
        }
    }

    private sealed record PolicyFile(PolicyMode? Mode, TimeSpan? ApprovalTimeout, List<PolicyPattern> Allow, List<PolicyPattern> Deny);

    private static PolicyFile Parse(string path, string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new PolicyFileException($"{path}:{ex.Start.Line}:{ex.Start.Column}: {ex.Message}", ex);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return new PolicyFile(null, null, [], []);
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw Located(path, stream.Documents[0].RootNode, "a policy file must be a mapping (mode, allow, deny)");
        }

        PolicyMode? mode = null;
        TimeSpan? timeout = null;
        var allow = new List<PolicyPattern>();
        var deny = new List<PolicyPattern>();
        foreach (var (keyNode, value) in root.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value;
            switch (key)
            {
                case "apiVersion":
                    if (Scalar(path, value, key) != "duragent/v1alpha1")
                    {
                        throw Located(path, value, "apiVersion must be 'duragent/v1alpha1'");
                    }

                    break;
                case "kind":
                    if (Scalar(path, value, key) != "Policy")
                    {
                        throw Located(path, value, "kind must be 'Policy'");
                    }

                    break;
                case "mode":
                    mode = Scalar(path, value, key) switch
                    {
                        "dangerous" => PolicyMode.Dangerous,
                        "ask" => PolicyMode.Ask,
                        "restrict" => PolicyMode.Restrict,
                        var other => throw Located(path, value, $"mode '{other}' is not one of dangerous, ask, restrict"),
                    };
                    break;
                case "approval_timeout_seconds":
                    var seconds = Scalar(path, value, key);
                    if (!int.TryParse(seconds, NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) || s < 0)
                    {
                        throw Located(path, value, $"approval_timeout_seconds must be a whole number of seconds ≥ 0, not '{seconds}'");
                    }

                    timeout = s == 0 ? null : TimeSpan.FromSeconds(s);
                    break;
                case "allow":
                    allow.AddRange(Patterns(path, value, key));
                    break;
                case "deny":
                    deny.AddRange(Patterns(path, value, key));
                    break;
                case "notify":
                    break;
                default:
                    throw Located(path, keyNode, $"unknown key '{key}' (expected mode, allow, deny, approval_timeout_seconds)");
            }
        }

        return new PolicyFile(mode, timeout, allow, deny);
    }

    private static IEnumerable<PolicyPattern> Patterns(string path, YamlNode node, string key)
    {
        if (node is YamlScalarNode { Value: null or "" })
        {
            yield break;
        }

        if (node is not YamlSequenceNode list)
        {
            throw Located(path, node, $"'{key}' must be a list of patterns such as 'bash:git status'");
        }

        foreach (var item in list)
        {
            var text = Scalar(path, item, key);
            PolicyPattern pattern;
            try
            {
                pattern = PolicyPattern.Parse(text);
            }
            catch (FormatException ex)
            {
                throw Located(path, item, ex.Message);
            }

            if (key == "allow" && pattern.AllowError is { } error)
            {
                throw Located(path, item, error);
            }

            yield return pattern;
        }
    }

    private static string Scalar(string path, YamlNode node, string key) =>
        node is YamlScalarNode scalar ? scalar.Value ?? string.Empty : throw Located(path, node, $"'{key}' must be a single value");

    private static PolicyFileException Located(string path, YamlNode node, string message) =>
        new($"{path}:{node.Start.Line}:{node.Start.Column}: {message}");

    private sealed class PolicyFileException(string message, Exception? inner = null) : Exception(message, inner);
}
