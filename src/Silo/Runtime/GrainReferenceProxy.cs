using System.Reflection;

namespace Duragent.Runtime;

/// <summary>
/// The object behind a grain reference: implements the grain interface (through <see cref="DispatchProxy"/>) and turns
/// every method call into a mailbox request of the grain's activation. Arguments pass by reference (in-process calls).
/// </summary>
internal class GrainReferenceProxy : DispatchProxy
{
    private Catalog? _catalog;
    private GrainRegistration? _registration;

    /// <summary>The grain this reference points to.</summary>
    public GrainId GrainId { get; private set; }

    public override string ToString() => $"GrainReference({GrainId})";

    /// <summary>A copy of this proxy (of the same generated type) to bind to another grain: cheaper than creating one.</summary>
    internal GrainReferenceProxy Clone() => (GrainReferenceProxy)MemberwiseClone();

    internal void Bind(Catalog catalog, GrainRegistration registration, GrainId grainId)
    {
        _catalog = catalog;
        _registration = registration;
        GrainId = grainId;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var method = _registration!.GetMethod(targetMethod);
        return method.Dispatch(_catalog!, GrainId, _registration, args ?? []);
    }
}
