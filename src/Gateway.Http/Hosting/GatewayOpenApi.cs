using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Duragent.Gateway.Http.Hosting;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c>: every endpoint with its request and response schemas (snake_case,
/// from the same source-generated metadata the endpoints use), the problem+json errors, and the bearer scheme on
/// <c>/api</c> routes. Generated on first request, never at start-up.
/// </summary>
internal static class GatewayOpenApi
{
    /// <summary>The document name: <c>v1</c> (served at <c>/openapi/v1.json</c>).</summary>
    public const string DocumentName = "v1";

    /// <summary>The route of the document.</summary>
    public const string Route = "/openapi/{documentName}.json";

    private const string BearerScheme = "bearer";

    public static IServiceCollection AddGatewayOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Duragent HTTP API",
                    Version = DuragentVersion.Version,
                    Description = "Sessions, agents, Server-Sent Events and admin endpoints of a Duragent server. Errors are application/problem+json with a stable 'code'. See docs/api.md.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "server.api_token for /api/v1, server.admin_token for /api/admin/v1. Without a configured token only loopback callers are served.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                var path = context.Description.RelativePath ?? string.Empty;
                if (path.StartsWith("api/", StringComparison.Ordinal))
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement
                    {
                        [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [],
                    });
                }

                return Task.CompletedTask;
            });
        });
}
