using System.Text.Json;
using System.Text.Json.Serialization;
using Duragent.Sessions;

namespace Duragent.Gateway.Http.Json;

/// <summary>The HTTP JSON conventions: snake_case names and enum values, nulls left out, source-generated metadata only.</summary>
public static class GatewayJson
{
    /// <summary>Applies the conventions to <paramref name="options"/> (the options of <c>ConfigureHttpJsonOptions</c>).</summary>
    public static void Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;

        // Numbers are numbers (the web defaults also accept them as strings, which the OpenAPI schemas would then show).
        options.NumberHandling = JsonNumberHandling.Strict;
        foreach (var converter in SessionJsonContext.Default.Options.Converters)
        {
            options.Converters.Add(converter);
        }

        options.Converters.Add(new SnakeCaseEnumConverter<Duragent.Schedules.SchedulePayload>());
        options.Converters.Add(new SnakeCaseEnumConverter<Duragent.Schedules.CatchUpPolicy>());
        options.Converters.Add(new SnakeCaseEnumConverter<Duragent.Schedules.BusyPolicy>());
        options.Converters.Add(new SnakeCaseEnumConverter<Duragent.Schedules.ScheduleRunStatus>());
        options.TypeInfoResolverChain.Insert(0, GatewayJsonContext.Default);
        options.TypeInfoResolverChain.Insert(1, SessionJsonContext.Default);
    }
}
