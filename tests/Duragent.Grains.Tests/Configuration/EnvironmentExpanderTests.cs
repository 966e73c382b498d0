using Duragent.Configuration;

namespace Duragent.Grains.Tests.Configuration;

public class EnvironmentExpanderTests
{
    private static readonly Dictionary<string, string> Variables = new()
    {
        ["TOKEN"] = "s3cret",
        ["EMPTY"] = string.Empty,
        ["PORT"] = "9090",
    };

    private static (string Text, List<ConfigDiagnostic> Errors) Expand(string text)
    {
        var errors = new List<ConfigDiagnostic>();
        var result = EnvironmentExpander.Expand(text, "/ws/duragent.yaml", name => Variables.GetValueOrDefault(name), errors);
        return (result, errors);
    }

    [Theory]
    [InlineData("token: ${TOKEN}", "token: s3cret")]
    [InlineData("a: ${TOKEN}-${PORT}", "a: s3cret-9090")]
    [InlineData("port: ${MISSING:-8080}", "port: 8080")]
    [InlineData("port: ${PORT:-8080}", "port: 9090")]
    [InlineData("token: ${EMPTY:-fallback}", "token: fallback")]
    [InlineData("token: ${MISSING:-}", "token: ")]
    [InlineData("price: $$5", "price: $5")]
    [InlineData("literal: $${TOKEN}", "literal: ${TOKEN}")]
    [InlineData("home: $HOME and 5$", "home: $HOME and 5$")]
    [InlineData("end: $", "end: $")]
    [InlineData("url: ${MISSING:-http://x:1/a}", "url: http://x:1/a")]
    public void Expand_HandlesEveryForm(string input, string expected)
    {
        var (text, errors) = Expand(input);

        Assert.Empty(errors);
        Assert.Equal(expected, text);
    }

    [Fact]
    public void Expand_LeavesCommentLinesAlone()
    {
        var (text, errors) = Expand("# token: ${NOT_SET}\n   # also ${NOT_SET} and $$\nport: ${PORT}\n");

        Assert.Empty(errors);
        Assert.Equal("# token: ${NOT_SET}\n   # also ${NOT_SET} and $$\nport: 9090\n", text);
    }

    [Fact]
    public void Expand_KeepsLineEndings()
    {
        var (text, _) = Expand("a: ${PORT}\r\nb: 1\r\n");

        Assert.Equal("a: 9090\r\nb: 1\r\n", text);
    }

    [Fact]
    public void Expand_UnsetVariable_ErrorNamesVariableLineAndColumn()
    {
        var (_, errors) = Expand("server:\n  api_token: ${API_TOKEN}\n");

        var error = Assert.Single(errors);
        Assert.Equal(2, error.Line);
        Assert.Equal(14, error.Column);
        Assert.Equal(
            "/ws/duragent.yaml:2:14: error: environment variable 'API_TOKEN' is not set; expected it to be set, or write ${API_TOKEN:-default} to give a default",
            error.ToString());
    }

    [Fact]
    public void Expand_UnclosedReference_ErrorWithLineAndColumn()
    {
        var (_, errors) = Expand("a: 1\nb: 2\nc: x${PORT\n");

        var error = Assert.Single(errors);
        Assert.Equal("/ws/duragent.yaml:3:5: error: unclosed '${': expected '}' to end the environment variable reference (write '$$' for a literal '$')", error.ToString());
    }

    [Fact]
    public void Expand_InvalidName_IsAnError()
    {
        var (_, errors) = Expand("a: ${1ABC}\n");

        var error = Assert.Single(errors);
        Assert.Contains("/ws/duragent.yaml:1:4: error: '${1ABC}' is not a valid environment variable reference", error.ToString());
    }

    [Fact]
    public void Expand_ReportsEveryProblem()
    {
        var (_, errors) = Expand("a: ${A}\nb: ${B}\n");

        Assert.Equal(["A", "B"], errors.Select(e => e.Message.Split('\'')[1]));
        Assert.Equal([1, 2], errors.Select(e => e.Line));
    }
}
