using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Duragent.Gateway.Http.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Duragent.Gateway.Http.Json;

/// <summary>
/// Reads JSON request bodies with errors a client can act on: 415 for another media type or a charset other than
/// UTF-8, 413 above the body limit, 400 <c>invalid_request</c> for bytes that are not UTF-8, 400
/// <c>malformed_json</c> naming the line and byte of a syntax error, 400 <c>invalid_request</c> naming a field whose
/// value has the wrong type. Handlers check required fields themselves (<see cref="Require"/>).
/// </summary>
public static class JsonBody
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    /// <summary>Reads the body as <typeparamref name="T"/>; throws <see cref="ApiProblemException"/> on any problem.</summary>
    public static async Task<T> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(typeInfo);
        if (!IsJson(request.ContentType))
        {
            throw new ApiProblemException(ApiProblem.Of(ProblemCodes.UnsupportedMediaType,
                request.ContentType is null
                    ? "The request has no Content-Type; send the body as application/json."
                    : $"The Content-Type is '{request.ContentType}'; send the body as application/json."));
        }

        if (Charset(request.ContentType) is { } charset && !IsUtf8(charset))
        {
            throw new ApiProblemException(ApiProblem.Of(ProblemCodes.UnsupportedMediaType,
                $"The Content-Type names the charset '{charset}'; JSON bodies must be UTF-8 (send charset=utf-8 or no charset)."));
        }

        CheckDeclaredLength(request);
        using var document = await ParseAsync(request);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ApiProblemException(ApiProblem.Invalid($"The request body must be a JSON object, not {Describe(root.ValueKind)}."));
        }

        try
        {
            return root.Deserialize(typeInfo) ?? throw new ApiProblemException(ApiProblem.Invalid("The request body must be a JSON object."));
        }
        catch (JsonException ex)
        {
            throw new ApiProblemException(ApiProblem.Invalid(DescribeFieldError(ex, typeInfo)));
        }
    }

    /// <summary>Throws 400 naming <paramref name="field"/> when <paramref name="value"/> is missing or blank.</summary>
    public static string Require(string? value, string field)
    {
        if (value is null)
        {
            throw new ApiProblemException(ApiProblem.Invalid($"The field '{field}' is required."));
        }

        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ApiProblemException(ApiProblem.Invalid($"The field '{field}' must not be empty."));
        }

        return value;
    }

    /// <summary>Throws 400 naming <paramref name="field"/> when <paramref name="value"/> is missing.</summary>
    public static TValue Require<TValue>(TValue? value, string field)
        where TValue : struct =>
        value ?? throw new ApiProblemException(ApiProblem.Invalid($"The field '{field}' is required."));

    /// <summary>True for <c>application/json</c> and <c>application/*+json</c> (any parameters, such as a charset).</summary>
    public static bool IsJson(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media))
        {
            return false;
        }

        var subtype = media.SubType;
        return media.Type.Equals("application", StringComparison.OrdinalIgnoreCase)
            && (subtype.Equals("json", StringComparison.OrdinalIgnoreCase) || subtype.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }

    // The charset parameter of a media type, or null when there is none.
    private static string? Charset(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media) && media.Charset.HasValue ? media.Charset.Value.Trim('"') : null;

    private static bool IsUtf8(string charset) =>
        charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase);

    /// <summary>A body declared larger than the limit is refused before a byte of it is read.</summary>
    public static void CheckDeclaredLength(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var limit = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        if (limit is { } max && request.ContentLength is { } length && length > max)
        {
            throw new ApiProblemException(TooLarge(max, length));
        }
    }

    /// <summary>413 naming the limit.</summary>
    public static ApiProblem TooLarge(long? limit, long? length = null) =>
        ApiProblem.Of(ProblemCodes.BodyTooLarge, (length, limit) switch
        {
            ({ } l, { } m) => $"The request body is {l} bytes; at most {m} bytes (server.max_body_bytes) are accepted.",
            (_, { } m) => $"The request body is larger than {m} bytes (server.max_body_bytes).",
            _ => "The request body is too large (server.max_body_bytes).",
        });

    // The body is read whole first (JsonDocument buffers it anyway) so that bytes which are not UTF-8 get their own
    // error: the parser accepts them inside strings and only the typed read fails, as if the field had the wrong type.
    private static async Task<JsonDocument> ParseAsync(HttpRequest request)
    {
        using var body = new MemoryStream();
        try
        {
            await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            var limit = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
            throw new ApiProblemException(TooLarge(limit));
        }

        var bytes = body.GetBuffer().AsMemory(0, (int)body.Length);
        if (!System.Text.Unicode.Utf8.IsValid(bytes.Span))
        {
            throw new ApiProblemException(ApiProblem.Invalid($"The request body is not valid UTF-8 (first bad byte at offset {FirstInvalidUtf8(bytes.Span)}); send JSON encoded as UTF-8."));
        }

        try
        {
            return JsonDocument.Parse(bytes, DocumentOptions);
        }
        catch (JsonException ex)
        {
            throw new ApiProblemException(ApiProblem.Of(ProblemCodes.MalformedJson, DescribeSyntaxError(ex)));
        }
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        var at = 0;
        while (at < bytes.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(bytes[at..], out _, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return at;
            }

            at += consumed;
        }

        return at;
    }

    private static string DescribeSyntaxError(JsonException ex)
    {
        if (ex.LineNumber is null)
        {
            return "The request body is not valid JSON: " + StripPosition(ex.Message);
        }

        var reason = StripPosition(ex.Message);
        if (reason.Contains("does not contain any JSON tokens", StringComparison.Ordinal))
        {
            return "The request body is empty; expected a JSON object.";
        }

        return $"The request body is not valid JSON at line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}: {reason}";
    }

    private static string DescribeFieldError<T>(JsonException ex, JsonTypeInfo<T> typeInfo)
    {
        var path = ex.Path ?? "$";
        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;
        var allowed = AllowedValues(typeInfo, field);
        return allowed is null
            ? $"The field '{field}' has a value of the wrong type."
            : $"The field '{field}' must be one of {allowed}.";
    }

    // For enum fields, the accepted values as written in JSON (snake_case).
    private static string? AllowedValues(JsonTypeInfo typeInfo, string field)
    {
        foreach (var property in typeInfo.Properties)
        {
            if (!string.Equals(property.Name, field, StringComparison.Ordinal))
            {
                continue;
            }

            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (!type.IsEnum)
            {
                return null;
            }

            return string.Join(", ", Enum.GetNames(type).Select(JsonNamingPolicy.SnakeCaseLower.ConvertName));
        }

        return null;
    }

    // System.Text.Json appends " Path: $ | LineNumber: 0 | BytePositionInLine: 3." or " LineNumber: …" to its messages.
    private static string StripPosition(string message)
    {
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut < 0)
        {
            cut = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        }

        return (cut < 0 ? message : message[..cut]).TrimEnd();
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "empty",
    };
}
