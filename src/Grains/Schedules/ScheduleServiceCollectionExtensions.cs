using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Duragent.Schedules;

/// <summary>Registration of what schedule grains need besides the runtime and storage.</summary>
public static class ScheduleServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ScheduleOptions"/> (validated at start) and the start-up service that wakes overdue schedules
    /// and reconciles the static schedules of <paramref name="declared"/> (those of <c>duragent.yaml</c>).
    /// </summary>
    public static IServiceCollection AddDuragentSchedules(this IServiceCollection services, Action<ScheduleOptions>? configure = null, IReadOnlyList<DeclaredSchedule>? declared = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<ScheduleOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ScheduleOptions>, ScheduleOptionsValidator>());
        services.TryAddSingleton<ScheduleClock>();
        services.AddSingleton(new DeclaredSchedules(declared ?? []));
        services.AddHostedService<ScheduleStartupService>();
        return services;
    }

    private sealed class ScheduleOptionsValidator : IValidateOptions<ScheduleOptions>
    {
        public ValidateOptionsResult Validate(string? name, ScheduleOptions options)
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
