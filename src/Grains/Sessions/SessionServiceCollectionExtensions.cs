using Duragent.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Duragent.Sessions;

/// <summary>Registration of what session grains need besides the runtime and storage.</summary>
public static class SessionServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="SessionOptions"/> (validated at start), the process runner of the tools, the session index and
    /// the recovery service that wakes sessions whose turn was interrupted by a stop of the silo.
    /// The grain classes themselves are found by Orleans (generated metadata of this assembly); nothing registers them.
    /// </summary>
    public static IServiceCollection AddDuragentSessions(this IServiceCollection services, Action<SessionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<SessionOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SessionOptions>, SessionOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ProcessRunner>();
        services.TryAddSingleton<ISessionIndex, SessionIndex>();
        services.TryAddSingleton<SessionActivity>();
        services.TryAddSingleton<ISessionActivity>(sp => sp.GetRequiredService<SessionActivity>());
        services.AddHostedService<SessionRecoveryService>();
        return services;
    }

    private sealed class SessionOptionsValidator : IValidateOptions<SessionOptions>
    {
        public ValidateOptionsResult Validate(string? name, SessionOptions options)
        {
            try
            {
                options.Validate();
                return ValidateOptionsResult.Success;
            }
            catch (ArgumentOutOfRangeException ex)
            {
                return ValidateOptionsResult.Fail(ex.Message);
            }
        }
    }
}
