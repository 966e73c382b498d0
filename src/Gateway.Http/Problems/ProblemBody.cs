namespace Duragent.Gateway.Http.Problems;

/// <summary>
/// An RFC 9457 (RFC 7807) problem+json body, as every gateway error is sent.
/// </summary>
/// <param name="Type"><c>urn:duragent:problem:&lt;code&gt;</c>.</param>
/// <param name="Title">A short summary of the kind of problem.</param>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Detail">What went wrong with this request, naming the field, parameter or rule.</param>
/// <param name="Instance">The request path.</param>
/// <param name="Code">The stable machine-readable code (<see cref="ProblemCodes"/>).</param>
/// <param name="Errors">Itemized errors when there are several (e.g. an agent's load errors).</param>
public sealed record ProblemBody(
    string Type,
    string Title,
    int Status,
    string? Detail,
    string? Instance,
    string Code,
    IReadOnlyList<string>? Errors = null);
