using Duragent.Agents;
using Duragent.Configuration;
using Duragent.Llm;
using Duragent.Runtime;
using Duragent.Sessions;
using Microsoft.Extensions.DependencyInjection;

namespace Duragent.Hosting;

/// <summary>
/// The composition of one Duragent silo on the embedded default: the grain runtime, the file storage provider under
/// the workspace's <c>.duragent/</c> directory, the agent catalog, the LLM clients and the session grains, all set
/// from <c>duragent.yaml</c>. The HTTP gateway and the CLI's <c>serve</c> add themselves on top.
/// </summary>
public static class DuragentNodeExtensions
{
    /// <summary>Registers everything a silo needs for <paramref name="workspace"/>.</summary>
    public static IServiceCollection AddDuragentNode(this IServiceCollection services, DuragentWorkspace workspace, Action<DuragentNodeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(workspace);
        var node = new DuragentNodeOptions();
        configure?.Invoke(node);
        var config = workspace.Config;

        services.AddDuragentSilo(o =>
        {
            o.CollectionAge = TimeSpan.FromMinutes(config.Runtime.CollectionAgeMinutes);
            node.ConfigureSilo?.Invoke(o);
        });
        services.AddFileStorage(o =>
        {
            o.RootDirectory = workspace.Directory;
            o.TypeFolders["session"] = RelativeFolder(workspace.Directory, workspace.SessionsDirectory, "services.session.path");
            node.ConfigureStorage?.Invoke(o);
        });
        services.AddDuragentAgents(workspace);
        services.AddDuragentLlm(node.ConfigureLlm);
        services.AddDuragentSessions(o =>
        {
            o.SnapshotEveryEvents = config.Sessions.SnapshotEveryEvents;
            o.Compaction = config.Sessions.Compaction;
            o.TtlHours = config.Sessions.TtlHours;
            o.WorkspacePolicyFile = workspace.PolicyFile;
            node.ConfigureSessions?.Invoke(o);
        });
        services.AddDuragentGrains();
        return services;
    }

    private static string RelativeFolder(string root, string folder, string setting)
    {
        var relative = Path.GetRelativePath(root, folder);
        if (relative == "." || relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            throw new ConfigurationException(
                $"{setting} must be a folder inside the workspace directory {root} (the file storage keeps everything under it), not {folder}.");
        }

        return relative.Replace(Path.DirectorySeparatorChar, '/');
    }
}

/// <summary>Adjustments of a node beyond <c>duragent.yaml</c> (tests, benchmarks, command-line flags).</summary>
public sealed class DuragentNodeOptions
{
    public Action<SiloOptions>? ConfigureSilo { get; set; }

    public Action<Duragent.Storage.File.FileStorageOptions>? ConfigureStorage { get; set; }

    public Action<LlmOptions>? ConfigureLlm { get; set; }

    public Action<SessionOptions>? ConfigureSessions { get; set; }
}
