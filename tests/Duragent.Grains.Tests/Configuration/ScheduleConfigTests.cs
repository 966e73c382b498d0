using Duragent.Configuration;
using Duragent.Schedules;

namespace Duragent.Grains.Tests.Configuration;

/// <summary>The <c>schedules:</c> section of duragent.yaml: parsed into specs, every problem located at file:line:col.</summary>
public sealed class ScheduleConfigTests
{
    private const string ConfigFile = "/ws/duragent.yaml";

    private static DuragentConfigLoadResult Parse(string yaml) => DuragentConfigLoader.Parse(yaml, ConfigFile, _ => null);

    private static List<ConfigDiagnostic> Errors(string yaml) =>
        Assert.Throws<ConfigurationException>(() => Parse(yaml)).Errors.ToList();

    [Fact]
    public void Schedules_AreReadWithTheirLocation()
    {
        var config = Parse("""
            schedules:
              - id: digest
                agent: assistant
                text: |
                  Summarise yesterday.
                payload: task
                cron: "0 8 * * MON-FRI"
                time_zone: Europe/Paris
                catch_up: skip
                grace: 2h
                on_busy: skip
                max_attempts: 5
              - id: tick
                agent: assistant
                text: ping
                every: 30s
                session: inbox
            """).Config;

        Assert.Equal(2, config.Schedules.Count);
        var digest = config.Schedules[0];
        Assert.Equal("digest", digest.Id);
        Assert.Equal($"{ConfigFile}:2:5", digest.Location);
        Assert.Equal(new ScheduleSpec("assistant", "Summarise yesterday.\n", SchedulePayload.Task, Cron: "0 8 * * MON-FRI", TimeZone: "Europe/Paris",
            CatchUp: CatchUpPolicy.Skip, Grace: "2h", OnBusy: BusyPolicy.Skip, MaxAttempts: 5, Source: "config"), digest.Spec);
        Assert.Equal("inbox", config.Schedules[1].Spec.Session);
        Assert.Equal("30s", config.Schedules[1].Spec.Every);
    }

    [Theory]
    [InlineData("cron: \"61 * * * *\"", 5, 11, "schedules[0].cron: '61 * * * *' is not a valid cron expression")]
    [InlineData("cron: \"0 9 * * *\"\n    time_zone: Mars/Base", 6, 16, "schedules[0].time_zone: unknown time zone 'Mars/Base'")]
    [InlineData("every: 0s", 5, 12, "schedules[0].every: the interval '0s' is shorter")]
    [InlineData("at: in 20m", 5, 9, "schedules[0].at: 'in 20m' is relative")]
    [InlineData("at: tomorrow", 5, 9, "schedules[0].at: 'tomorrow' is not a time")]
    [InlineData("every: 1m\n    max_concurrent: 0", 6, 21, "schedules[0].max_concurrent")]
    [InlineData("every: 1m\n    catch_up: always", 6, 15, "schedules[0].catch_up")]
    [InlineData("description: none", 2, 5, "at: a schedule needs one of at, every or cron")]
    public void BadSchedules_AreLocatedErrors(string timing, int line, int column, string message)
    {
        var yaml = $"schedules:\n  - id: s1\n    agent: assistant\n    text: hi\n    {timing}\n";
        var error = Assert.Single(Errors(yaml));
        Assert.Equal(line, error.Line);
        Assert.Equal(column, error.Column);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.StartsWith($"{ConfigFile}:{line}:{column}: error: ", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateAndInvalidIds_AreErrors()
    {
        var errors = Errors("""
            schedules:
              - {id: a, agent: assistant, text: x, every: 1h}
              - {id: a, agent: assistant, text: y, every: 2h}
              - {id: "../b", agent: assistant, text: y, every: 2h}
              - {agent: assistant, text: y, every: 2h}
            """);
        Assert.Equal(3, errors.Count);
        Assert.Contains("declared twice", errors[0].Message, StringComparison.Ordinal);
        Assert.Equal(3, errors[0].Line);
        Assert.Contains("not a valid id", errors[1].Message, StringComparison.Ordinal);
        Assert.Contains("id", errors[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void APastAtIsNotAnErrorInAFile()
    {
        // A one-shot that has fired stays declared; reconciliation leaves the schedule (done) as it is.
        var config = Parse("schedules:\n  - {id: once, agent: assistant, text: x, at: \"2020-01-01T00:00:00Z\"}\n").Config;
        Assert.Single(config.Schedules);
    }
}
