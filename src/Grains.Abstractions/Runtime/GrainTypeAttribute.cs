namespace Duragent.Runtime;

/// <summary>
/// Pins the durable type name of a grain interface. The name keys persisted state, event logs and reminders,
/// so once deployed it must never change (renaming it orphans stored data).
/// </summary>
[AttributeUsage(AttributeTargets.Interface, Inherited = false)]
public sealed class GrainTypeAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
