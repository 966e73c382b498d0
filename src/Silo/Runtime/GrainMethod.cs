using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Duragent.Runtime;

/// <summary>
/// Cached metadata of one grain interface method: admission flags, response timeout, return shape, the invoker of
/// the implementation method and the proxy-side dispatch. Built once at registration.
/// </summary>
internal sealed class GrainMethod
{
    private static readonly MethodInfo s_dispatchTaskOf = GetDispatcher(nameof(DispatchTaskOf));
    private static readonly MethodInfo s_dispatchValueTaskOf = GetDispatcher(nameof(DispatchValueTaskOf));

    private readonly Func<Catalog, GrainId, GrainRegistration, GrainMethod, object?[], object> _dispatch;

    private GrainMethod(MethodInfo interfaceMethod, MethodInfo implementationMethod, GrainReturnKind returnKind, Type? resultType)
    {
        InterfaceMethod = interfaceMethod;
        DisplayName = $"{interfaceMethod.DeclaringType?.Name}.{interfaceMethod.Name}";
        ReturnKind = returnKind;
        IsReadOnly = interfaceMethod.IsDefined(typeof(ReadOnlyAttribute), inherit: false);
        AlwaysInterleave = interfaceMethod.IsDefined(typeof(AlwaysInterleaveAttribute), inherit: false);
        ResponseTimeout = interfaceMethod.GetCustomAttribute<ResponseTimeoutAttribute>(inherit: false)?.Timeout;
        Invoker = MethodInvoker.Create(implementationMethod);
        _dispatch = returnKind switch
        {
            GrainReturnKind.Task => DispatchTask,
            GrainReturnKind.ValueTask => DispatchValueTask,
            GrainReturnKind.TaskOfT => CreateDispatch(s_dispatchTaskOf, resultType!),
            _ => CreateDispatch(s_dispatchValueTaskOf, resultType!),
        };
    }

    public MethodInfo InterfaceMethod { get; }

    /// <summary><c>Interface.Method</c>, for messages.</summary>
    public string DisplayName { get; }

    public GrainReturnKind ReturnKind { get; }

    public bool IsReadOnly { get; }

    public bool AlwaysInterleave { get; }

    /// <summary>The per-method response timeout, or null for <see cref="SiloOptions.ResponseTimeout"/>.</summary>
    public TimeSpan? ResponseTimeout { get; }

    public MethodInvoker Invoker { get; }

    /// <summary>Checks that <paramref name="interfaceMethod"/> can be a grain method and builds its metadata.</summary>
    public static GrainMethod Create(MethodInfo interfaceMethod, MethodInfo implementationMethod)
    {
        var where = $"{interfaceMethod.DeclaringType?.FullName}.{interfaceMethod.Name}";
        if (interfaceMethod.IsGenericMethodDefinition)
        {
            throw new InvalidOperationException($"Grain method {where} is generic; grain methods cannot be generic.");
        }

        foreach (var parameter in interfaceMethod.GetParameters())
        {
            if (parameter.ParameterType.IsByRef)
            {
                throw new InvalidOperationException($"Grain method {where} has a ref/out/in parameter '{parameter.Name}'; grain methods take values only.");
            }
        }

        var returnType = interfaceMethod.ReturnType;
        (GrainReturnKind Kind, Type? Result) shape = returnType switch
        {
            _ when returnType == typeof(Task) => (GrainReturnKind.Task, null),
            _ when returnType == typeof(ValueTask) => (GrainReturnKind.ValueTask, null),
            { IsGenericType: true } when returnType.GetGenericTypeDefinition() == typeof(Task<>) =>
                (GrainReturnKind.TaskOfT, returnType.GetGenericArguments()[0]),
            { IsGenericType: true } when returnType.GetGenericTypeDefinition() == typeof(ValueTask<>) =>
                (GrainReturnKind.ValueTaskOfT, returnType.GetGenericArguments()[0]),
            _ => throw new InvalidOperationException(
                $"Grain method {where} returns {returnType.Name}; grain methods must be asynchronous and return Task, Task<T>, ValueTask or ValueTask<T> " +
                "(synchronous members, properties and events are not allowed on grain interfaces)."),
        };

        return new GrainMethod(interfaceMethod, implementationMethod, shape.Kind, shape.Result);
    }

    /// <summary>Sends the call and returns the task shape the interface method declares.</summary>
    public object Dispatch(Catalog catalog, GrainId grainId, GrainRegistration registration, object?[] arguments) =>
        _dispatch(catalog, grainId, registration, this, arguments);

    private static object DispatchTask(Catalog catalog, GrainId grainId, GrainRegistration registration, GrainMethod method, object?[] arguments) =>
        catalog.CallAsync<object?>(grainId, registration, method, arguments);

    private static object DispatchValueTask(Catalog catalog, GrainId grainId, GrainRegistration registration, GrainMethod method, object?[] arguments) =>
        new ValueTask(catalog.CallAsync<object?>(grainId, registration, method, arguments));

    private static object DispatchTaskOf<T>(Catalog catalog, GrainId grainId, GrainRegistration registration, GrainMethod method, object?[] arguments) =>
        catalog.CallAsync<T>(grainId, registration, method, arguments);

    private static object DispatchValueTaskOf<T>(Catalog catalog, GrainId grainId, GrainRegistration registration, GrainMethod method, object?[] arguments) =>
        new ValueTask<T>(catalog.CallAsync<T>(grainId, registration, method, arguments));

    private static MethodInfo GetDispatcher(string name) =>
        typeof(GrainMethod).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!;

    [UnconditionalSuppressMessage("Trimming", "IL2060", Justification = "The dispatch helpers put no requirements on their type parameter.")]
    private static Func<Catalog, GrainId, GrainRegistration, GrainMethod, object?[], object> CreateDispatch(MethodInfo open, Type resultType) =>
        open.MakeGenericMethod(resultType).CreateDelegate<Func<Catalog, GrainId, GrainRegistration, GrainMethod, object?[], object>>();
}

/// <summary>The task shape a grain method returns.</summary>
internal enum GrainReturnKind
{
    Task,
    TaskOfT,
    ValueTask,
    ValueTaskOfT,
}

/// <summary>Invokes a grain method on the activation and awaits the task it returns.</summary>
internal static class GrainMethodInvoker<T>
{
    public static async Task<T> InvokeAsync(GrainMethod method, Grain grain, object?[] arguments)
    {
        var returned = method.Invoker.Invoke(grain, arguments.AsSpan())
            ?? throw new InvalidOperationException($"Grain method {method.DisplayName} of {grain.GrainId} returned null instead of a task.");
        switch (method.ReturnKind)
        {
            case GrainReturnKind.Task:
                await (Task)returned;
                return default!;
            case GrainReturnKind.ValueTask:
                await (ValueTask)returned;
                return default!;
            case GrainReturnKind.TaskOfT:
                return await (Task<T>)returned;
            default:
                return await (ValueTask<T>)returned;
        }
    }
}
