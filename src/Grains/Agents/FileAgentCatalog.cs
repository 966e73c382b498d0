using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Duragent.Agents;

/// <summary>
/// <see cref="IAgentCatalog"/> over a directory of agent directories. Thread-safe: entries are immutable and
/// swapped whole; two callers racing on a changed agent may both reload it, which is harmless.
/// </summary>
public sealed partial class FileAgentCatalog : IAgentCatalog
{
    private readonly ConcurrentDictionary<string, AgentLoadResult> _entries = new(StringComparer.Ordinal);
    private readonly ILogger _logger;

    public FileAgentCatalog(string agentsDirectory, ILogger<FileAgentCatalog>? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentsDirectory);
        AgentsDirectory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(agentsDirectory));
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public string AgentsDirectory { get; }

    public async Task<IReadOnlyList<AgentLoadResult>> ListAsync(CancellationToken cancellationToken = default)
    {
        var names = ScanAgentDirectories();
        foreach (var stale in _entries.Keys.Except(names, StringComparer.Ordinal).ToList())
        {
            _entries.TryRemove(stale, out _);
        }

        var result = new List<AgentLoadResult>(names.Count);
        foreach (var name in names)
        {
            result.Add(await GetOrLoadAsync(name, force: false, cancellationToken));
        }

        return result;
    }

    public async Task<AgentDefinition?> GetAsync(string name, CancellationToken cancellationToken = default) =>
        (await GetEntryAsync(name, cancellationToken))?.Definition;

    public Task<AgentLoadResult?> GetEntryAsync(string name, CancellationToken cancellationToken = default) =>
        FindAsync(name, force: false, cancellationToken);

    public Task<AgentLoadResult?> ReloadAsync(string name, CancellationToken cancellationToken = default) =>
        FindAsync(name, force: true, cancellationToken);

    public Task<IReadOnlyList<AgentLoadResult>> ReloadAllAsync(CancellationToken cancellationToken = default)
    {
        _entries.Clear();
        return ListAsync(cancellationToken);
    }

    public Task<AgentLoadResult> ValidateAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return AgentLoader.LoadAsync(path, cancellationToken);
    }

    // Names come from outside (URLs, CLI): only valid grain keys ever become paths; anything else is "no such agent".
    private async Task<AgentLoadResult?> FindAsync(string name, bool force, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!GrainKey.IsValid(name))
        {
            return null;
        }

        if (!File.Exists(Path.Combine(AgentsDirectory, name, AgentDefinition.FileName)))
        {
            _entries.TryRemove(name, out _);
            return null;
        }

        return await GetOrLoadAsync(name, force, cancellationToken);
    }

    private async Task<AgentLoadResult> GetOrLoadAsync(string name, bool force, CancellationToken cancellationToken)
    {
        if (!force && _entries.TryGetValue(name, out var cached) && cached.Stamps is { } stamps && !stamps.HaveChanged())
        {
            return cached;
        }

        var loaded = await AgentLoader.LoadAsync(Path.Combine(AgentsDirectory, name), cancellationToken);
        _entries[name] = loaded;
        Report(loaded);
        return loaded;
    }

    private List<string> ScanAgentDirectories()
    {
        if (!Directory.Exists(AgentsDirectory))
        {
            return [];
        }

        var names = new List<string>();
        foreach (var directory in Directory.EnumerateDirectories(AgentsDirectory))
        {
            var name = Path.GetFileName(directory);
            if (!name.StartsWith('.') && File.Exists(Path.Combine(directory, AgentDefinition.FileName)))
            {
                names.Add(name);
            }
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }

    private void Report(AgentLoadResult result)
    {
        foreach (var diagnostic in result.Diagnostics)
        {
            if (diagnostic.IsError)
            {
                LogErrorAgentProblem(_logger, result.Name, diagnostic.ToString());
            }
            else
            {
                LogWarningAgentProblem(_logger, result.Name, diagnostic.ToString());
            }
        }

        if (result.IsValid)
        {
            LogInformationAgentLoaded(_logger, result.Name, result.SourceFile);
        }
    }

    [LoggerMessage(EventId = (int)AgentLogEvent.AgentLoaded, Level = LogLevel.Information, Message = "Loaded agent {Agent} from {File}")]
    private static partial void LogInformationAgentLoaded(ILogger logger, string agent, string file);

    [LoggerMessage(EventId = (int)AgentLogEvent.AgentWarning, Level = LogLevel.Warning, Message = "Agent {Agent}: {Diagnostic}")]
    private static partial void LogWarningAgentProblem(ILogger logger, string agent, string diagnostic);

    [LoggerMessage(EventId = (int)AgentLogEvent.AgentError, Level = LogLevel.Error, Message = "Agent {Agent} cannot be used: {Diagnostic}")]
    private static partial void LogErrorAgentProblem(ILogger logger, string agent, string diagnostic);
}
