using Duragent.Gateway.Http.Problems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Duragent.Gateway.Http.Endpoints;

/// <summary>OpenAPI declarations shared by the endpoint groups.</summary>
internal static class EndpointMetadata
{
    /// <summary>Declares the problem+json responses an endpoint can give.</summary>
    public static TBuilder ProducesProblems<TBuilder>(this TBuilder builder, params int[] statuses)
        where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in statuses)
        {
            builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(ProblemBody), [ApiProblem.MediaType]));
        }

        return builder;
    }
}
