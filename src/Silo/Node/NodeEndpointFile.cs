using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Duragent.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Duragent.Node;

/// <summary>
/// What a running server writes to <see cref="DuragentWorkspace.NodeFile"/> so that clients on the same host find it:
/// its pid, the silo's address, the Orleans gateway and the HTTP addresses.
/// </summary>
/// <param name="Gateway">The Orleans client gateway, <c>127.0.0.1:port</c>.</param>
public sealed record NodeEndpoint(int Pid, string Silo, string Gateway, IReadOnlyList<string> Http, string WorkspaceHash, string Version, DateTimeOffset StartedAt)
{
    /// <summary>The gateway as an endpoint; null when the file holds no valid one.</summary>
    [JsonIgnore]
    public IPEndPoint? GatewayEndPoint => IPEndPoint.TryParse(Gateway, out var endpoint) && endpoint.Port > 0 ? endpoint : null;

    /// <summary>
    /// Reads the file; null when it does not exist, cannot be read or does not parse (a half-written or foreign file is
    /// the same as none: the caller starts or looks for a server).
    /// </summary>
    public static NodeEndpoint? TryRead(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            if (stream.Length > 64 * 1024)
            {
                return null;
            }

            var endpoint = JsonSerializer.Deserialize(stream, NodeEndpointJson.Default.NodeEndpoint);
            return endpoint is { Pid: > 0, Gateway: not null, Silo: not null, WorkspaceHash: not null } ? endpoint : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>True when a process with <see cref="Pid"/> exists (it may still be another program reusing the pid).</summary>
    public bool ProcessExists() => IsRunning(Pid);

    /// <summary>True when a process with <paramref name="pid"/> runs on this machine.</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}

/// <summary>Writes <see cref="DuragentWorkspace.NodeFile"/> once the host started and removes it when it stops.</summary>
internal sealed partial class NodeEndpointFile(
    DuragentWorkspace workspace,
    ILocalSiloDetails silo,
    INodeLifetime node,
    IHostApplicationLifetime lifetime,
    ILogger<NodeEndpointFile> logger) : IHostedService
{
    private CancellationTokenRegistration _started;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // After every hosted service started: Kestrel's addresses are known then.
        _started = lifetime.ApplicationStarted.Register(Write);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _started.Dispose();
        try
        {
            if (NodeEndpoint.TryRead(workspace.NodeFile) is { } current && current.Pid == Environment.ProcessId)
            {
                File.Delete(workspace.NodeFile);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogFailed(logger, workspace.NodeFile, ex.Message);
        }

        return Task.CompletedTask;
    }

    [SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "A failed write leaves clients to start a server; it must not stop this one.")]
    private void Write()
    {
        if (silo.GatewayAddress is not { } gateway)
        {
            return;
        }

        var endpoint = new NodeEndpoint(
            Environment.ProcessId,
            silo.SiloAddress.ToParsableString(),
            gateway.Endpoint.ToString(),
            node.HttpAddresses.Select(a => a.ToString().TrimEnd('/')).ToList(),
            workspace.Hash,
            NodeGrain.Version,
            DateTimeOffset.UtcNow);
        try
        {
            Security.PrivateFiles.WriteAtomically(workspace.NodeFile, JsonSerializer.SerializeToUtf8Bytes(endpoint, NodeEndpointJson.Default.NodeEndpoint));
        }
        catch (Exception ex)
        {
            LogFailed(logger, workspace.NodeFile, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write or remove {File}: {Reason}. Clients on this host may not find this server.")]
    private static partial void LogFailed(ILogger logger, string file, string reason);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(NodeEndpoint))]
internal sealed partial class NodeEndpointJson : JsonSerializerContext;
