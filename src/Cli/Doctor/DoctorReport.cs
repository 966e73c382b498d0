using System.Text;
using System.Text.Json;
using Duragent.Cli.Output;

namespace Duragent.Cli.Doctor;

/// <summary>How a doctor check came out. Serialized <c>ok</c>, <c>warn</c>, <c>error</c>.</summary>
internal enum CheckStatus
{
    Ok,
    Warn,
    Error,
}

/// <summary>One finding.</summary>
internal sealed record DoctorCheck(CheckStatus Status, string Message);

/// <summary>A named group of findings.</summary>
internal sealed class DoctorSection(string name)
{
    private readonly List<DoctorCheck> _checks = [];

    public string Name { get; } = name;

    public IReadOnlyList<DoctorCheck> Checks => _checks;

    public void Ok(string message) => _checks.Add(new DoctorCheck(CheckStatus.Ok, message));

    public void Warn(string message) => _checks.Add(new DoctorCheck(CheckStatus.Warn, message));

    public void Error(string message) => _checks.Add(new DoctorCheck(CheckStatus.Error, message));
}

/// <summary>
/// What <c>duragent doctor</c> found, printed as text or as JSON:
/// <c>{status, sections: [{name, checks: [{status, message}]}], summary: {ok, warn, error}}</c>.
/// </summary>
internal sealed class DoctorReport
{
    private readonly List<DoctorSection> _sections = [];

    public IReadOnlyList<DoctorSection> Sections => _sections;

    public DoctorSection Section(string name)
    {
        var section = new DoctorSection(name);
        _sections.Add(section);
        return section;
    }

    public int Count(CheckStatus status) => _sections.Sum(s => s.Checks.Count(c => c.Status == status));

    /// <summary>The worst status of any check.</summary>
    public CheckStatus Status => Count(CheckStatus.Error) > 0 ? CheckStatus.Error : Count(CheckStatus.Warn) > 0 ? CheckStatus.Warn : CheckStatus.Ok;

    public string ToText(bool colors)
    {
        var text = new StringBuilder();
        foreach (var section in _sections.Where(s => s.Checks.Count > 0))
        {
            text.Append(section.Name).Append('\n');
            foreach (var check in section.Checks)
            {
                var (mark, color) = check.Status switch
                {
                    CheckStatus.Ok => ("✓", "32"),
                    CheckStatus.Warn => ("!", "33"),
                    _ => ("✗", "31"),
                };
                text.Append("  ").Append(colors ? $"\u001b[{color}m{mark}\u001b[0m" : mark).Append(' ')
                    .Append(check.Message.Replace("\n", "\n    ", StringComparison.Ordinal)).Append('\n');
            }

            text.Append('\n');
        }

        text.Append($"Summary: {Count(CheckStatus.Ok)} ok, {Names.Count(Count(CheckStatus.Warn), "warning")}, {Names.Count(Count(CheckStatus.Error), "error")}\n");
        return text.ToString();
    }

    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("status", Name(Status));
            writer.WriteStartArray("sections");
            foreach (var section in _sections)
            {
                writer.WriteStartObject();
                writer.WriteString("name", section.Name);
                writer.WriteStartArray("checks");
                foreach (var check in section.Checks)
                {
                    writer.WriteStartObject();
                    writer.WriteString("status", Name(check.Status));
                    writer.WriteString("message", check.Message);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartObject("summary");
            writer.WriteNumber("ok", Count(CheckStatus.Ok));
            writer.WriteNumber("warn", Count(CheckStatus.Warn));
            writer.WriteNumber("error", Count(CheckStatus.Error));
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static string Name(CheckStatus status) => status switch
    {
        CheckStatus.Ok => "ok",
        CheckStatus.Warn => "warn",
        _ => "error",
    };
}
