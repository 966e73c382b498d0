using Duragent.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Duragent.Tools.Sandbox;

/// <summary>Registration of the tools' sandbox.</summary>
public static partial class SandboxServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="ToolSandbox"/> of <paramref name="workspace"/>'s <c>sandbox</c> section, decided when the
    /// host starts: a <c>bubblewrap</c> that does not work here fails the start with the fix; the start log says where
    /// tools run.
    /// </summary>
    public static IServiceCollection AddDuragentSandbox(this IServiceCollection services, DuragentWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(workspace);
        services.TryAddSingleton(_ => ToolSandbox.Resolve(workspace.Config.Sandbox, [workspace.Directory, workspace.AgentsDirectory]));
        services.AddHostedService<SandboxStartup>();
        return services;
    }

    private sealed partial class SandboxStartup(ToolSandbox sandbox, ILogger<ToolSandbox> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (sandbox.IsSandboxed)
            {
                LogWhere(logger, sandbox.Description);
            }

            if (sandbox.Note is { } note)
            {
                LogNote(logger, note);
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(EventId = 7100, Level = LogLevel.Information, Message = "Sandbox: {Description}")]
        private static partial void LogWhere(ILogger logger, string description);

        [LoggerMessage(EventId = 7101, Level = LogLevel.Warning, Message = "Sandbox: {Note}")]
        private static partial void LogNote(ILogger logger, string note);
    }
}
