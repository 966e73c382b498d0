using Orleans.Serialization.Cloning;
using Orleans.Serialization.Serializers;

namespace Duragent.Storage;

/// <summary>
/// Lets Orleans deep-copy exceptions derived from <see cref="IOException"/>, such as <see cref="StorageUnavailableException"/>.
/// </summary>
/// <remarks>
/// The generated copier of an exception copies its own fields and asks for a base copier of its base class. Orleans
/// 10 has one for <see cref="Exception"/> only (its serializer, by contrast, handles any <c>System.*</c> base), so
/// without this the copier of <see cref="StorageUnavailableException"/> cannot be created ("Could not find a base type
/// copier for type System.IO.IOException") and a grain-to-grain call on one silo that throws it fails with that error
/// instead. <see cref="IOException"/> adds no state to <see cref="Exception"/>, so copying the <see cref="Exception"/>
/// part is complete.
/// </remarks>
[RegisterCopier]
internal sealed class IOExceptionBaseCopier(ICodecProvider codecProvider) : IBaseCopier<IOException>
{
    private readonly IBaseCopier<Exception> _exceptionCopier = codecProvider.GetBaseCopier<Exception>();

    public void DeepCopy(IOException input, IOException output, CopyContext context) => _exceptionCopier.DeepCopy(input, output, context);
}
