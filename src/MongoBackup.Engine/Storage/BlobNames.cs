namespace MongoBackup.Engine.Storage;

/// <summary>The rules every <see cref="IBlobStore"/> name follows: relative, '/'-separated, no empty, "." or ".." segment.</summary>
internal static class BlobNames
{
    /// <summary>The name with '\' turned into '/'; refuses a name that is empty, absolute or reaches outside the root.</summary>
    /// <exception cref="ArgumentException">The name is empty, starts with '/', or has an empty, "." or ".." segment.</exception>
    public static string Require(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var normalized = name.Replace('\\', '/');
        if (normalized.StartsWith('/') || normalized.Split('/').Any(part => part is "" or "." or ".."))
            throw new ArgumentException($"'{name}' is not a blob name inside the store (relative, '/'-separated, no empty, '.' or '..' part).", nameof(name));
        return normalized;
    }

    /// <summary>Whether the store keeps the name for itself (see <see cref="IBlobStore.ReservedPrefix"/>).</summary>
    public static bool IsReserved(string name)
    {
        var slash = name.LastIndexOf('/');
        return name.AsSpan(slash + 1).StartsWith(IBlobStore.ReservedPrefix, StringComparison.Ordinal);
    }

    /// <summary>The refusal of a write to a store opened read-only.</summary>
    public static MongoBackupException ReadOnly(string location, string name) =>
        new(ErrorIds.RepositoryNotWritable, $"'{location}' was opened read-only; '{name}' was not written or removed.", target: location);
}
