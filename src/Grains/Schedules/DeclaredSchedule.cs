namespace Duragent.Schedules;

/// <summary>A static schedule declared in a file, with where it was declared (<c>file:line:col</c>) for error messages.</summary>
public sealed record DeclaredSchedule(string Id, ScheduleSpec Spec, string Location);

/// <summary>The static schedules the silo reconciles at start.</summary>
public sealed record DeclaredSchedules(IReadOnlyList<DeclaredSchedule> Items);
