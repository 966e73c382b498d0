using Duragent.Configuration;
using Duragent.Gateway.Http.Auth;
using Duragent.Gateway.Http.Endpoints;
using Duragent.Gateway.Http.Json;
using Duragent.Gateway.Http.Problems;
using Duragent.Node;
using Duragent.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Duragent.Gateway.Http.Hosting;

/// <summary>Registration and pipeline of the HTTP gateway on top of a silo (<c>AddDuragentNode</c>).</summary>
public static class DuragentGatewayExtensions
{
    /// <summary>
    /// Registers the gateway's services for the effective <paramref name="server"/> settings: options, JSON
    /// conventions, request timeouts, OpenAPI, lifetime tracking. Binding and limits are Kestrel's (see
    /// <see cref="DuragentServer.CreateBuilder"/>).
    /// </summary>
    public static IServiceCollection AddDuragentGateway(this IServiceCollection services, ServerConfig server, Action<GatewayOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(server);
        services.AddOptions<GatewayOptions>()
            .Configure(o =>
            {
                o.Server = server;
                o.KeepAliveInterval = TimeSpan.FromSeconds(server.KeepAliveIntervalSeconds);
                o.RequestTimeout = TimeSpan.FromSeconds(server.RequestTimeoutSeconds);
                o.StreamTokenLifetime = TimeSpan.FromSeconds(server.StreamTokenSeconds);
                configure?.Invoke(o);
            })
            .Validate(o =>
            {
                o.Validate();
                return true;
            })
            .ValidateOnStart();
        services.AddSingleton(static sp => new ApiTokenStore(
            sp.GetRequiredService<DuragentWorkspace>(),
            sp.GetRequiredService<IOptions<GatewayOptions>>().Value.Server.ApiToken,
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<ApiTokenStore>>()));
        services.AddHostedService(static sp => sp.GetRequiredService<ApiTokenStore>());
        services.AddSingleton<GatewayLifetime>();
        services.AddHostedService(static sp => sp.GetRequiredService<GatewayLifetime>());
        services.Replace(ServiceDescriptor.Singleton<INodeLifetime>(static sp => sp.GetRequiredService<GatewayLifetime>()));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<StreamTokens>();
        if (server.CorsOrigins.Count > 0)
        {
            // Bearer tokens, not cookies: no credentials. Preflights from other origins never get here (BrowserGuardMiddleware).
            services.AddCors(o => o.AddDefaultPolicy(policy => policy
                .WithOrigins([.. server.CorsOrigins])
                .AllowAnyHeader()
                .WithMethods("GET", "POST", "DELETE")
                .WithExposedHeaders("Location", MessagesApi.SessionStatusHeader)
                .SetPreflightMaxAge(TimeSpan.FromMinutes(10))));
        }

        services.ConfigureHttpJsonOptions(o => GatewayJson.Configure(o.SerializerOptions));

        services.AddRequestTimeouts();
        services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<GatewayOptions>>((timeouts, gateway) =>
        {
            timeouts.DefaultPolicy = new RequestTimeoutPolicy
            {
                Timeout = gateway.Value.RequestTimeout,
                TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
                WriteTimeoutResponse = context => ApiProblem.Of(ProblemCodes.Timeout,
                    $"The request took longer than {gateway.Value.RequestTimeout.TotalSeconds:0.###} seconds (server.request_timeout_seconds).").ExecuteAsync(context),
            };
        });
        services.AddGatewayOpenApi();
        return services;
    }

    /// <summary>
    /// Adds the gateway's middleware (errors → problem+json, request-target checks, browser guard, CORS when
    /// <c>server.cors_origins</c> is set, auth, request timeouts) and maps every endpoint: health,
    /// agents, sessions, messages, events and stream, admin, and the OpenAPI document.
    /// </summary>
    public static WebApplication MapDuragentGateway(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<GatewayErrorMiddleware>();
        app.UseStatusCodePages(StatusCodeProblems.WriteAsync);
        app.UseMiddleware<RequestTargetMiddleware>();
        app.UseMiddleware<BrowserGuardMiddleware>();
        if (app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.Server.CorsOrigins.Count > 0)
        {
            app.UseCors();
        }

        app.UseMiddleware<GatewayAuthMiddleware>();
        app.UseRouting();
        app.UseRequestTimeouts();

        app.MapHealthEndpoints();
        app.MapAgentsApi();
        app.MapSessionsApi();
        app.MapSchedulesApi();
        app.MapMessagesApi();
        app.MapEventsApi();
        app.MapAdminApi();
        app.MapOpenApi(GatewayOpenApi.Route);
        DuragentServer.LogListening(app);
        return app;
    }
}
