using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;

namespace MongoBackup.Engine.Storage;

/// <summary>
/// Turns AWS SDK failures into <see cref="MongoBackupException"/>s a user can act on: access denied, no such
/// bucket, endpoint unreachable. Messages are built from the location, the endpoint and S3's error code only,
/// so no key can leak into them.
/// </summary>
internal sealed class S3Errors(string location, string bucket, string endpoint)
{
    private static readonly HashSet<string> AccessCodes = new(StringComparer.Ordinal)
    {
        "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "AllAccessDisabled",
        "AuthorizationHeaderMalformed", "InvalidSecurity", "AccountProblem",
    };

    public static bool IsStoreFailure(Exception e) =>
        e is AmazonServiceException or AmazonClientException or HttpRequestException or SocketException;

    public async Task<T> Run<T>(Func<Task<T>> operation, string? key)
    {
        try { return await operation().ConfigureAwait(false); }
        catch (Exception e) when (IsStoreFailure(e)) { throw Translate(e, key); }
    }

    public MongoBackupException Translate(Exception e, string? key)
    {
        var shown = location;
        var about = key is null ? "" : $" (at '{key}')";
        if (e is AmazonS3Exception s3 && (AccessCodes.Contains(s3.ErrorCode ?? "") || (int)s3.StatusCode is 401 or 403))
            return new MongoBackupException(ErrorIds.RepositoryAccessDenied,
                $"S3 at {endpoint} refused access to the repository '{shown}'{about}: {Describe(s3)}. Check the access key and secret (or the default AWS credentials), and that they allow listing, reading, writing and deleting objects in bucket '{bucket}'.",
                e, shown);
        if (e is AmazonS3Exception { ErrorCode: "NoSuchBucket" } missing)
            return new MongoBackupException(ErrorIds.RepositoryNotFound,
                $"The bucket '{bucket}' of the repository '{shown}' does not exist at {endpoint} ({Describe(missing)}). Create it first or correct the location.",
                e, shown);
        if (e is AmazonServiceException { StatusCode: not 0 } service && NetworkCause(e) is null)
            return new MongoBackupException(ErrorIds.RepositoryUnavailable,
                $"S3 at {endpoint} failed a request for the repository '{shown}'{about}: {Describe(service)}.", e, shown);
        if (NetworkCause(e) is { } network)
            return new MongoBackupException(ErrorIds.RepositoryUnavailable,
                $"The repository '{shown}' cannot be reached at {endpoint}: {FirstLine(network.Message)}", e, shown);
        if (e is AmazonClientException && e.Message.Contains("credential", StringComparison.OrdinalIgnoreCase))
            return new MongoBackupException(ErrorIds.RepositoryAccessDenied,
                $"No AWS credentials were found for the repository '{shown}': give an access key and secret, or set up the default AWS credential chain (environment, profile, instance role). {FirstLine(e.Message)}",
                e, shown);
        return new MongoBackupException(ErrorIds.RepositoryUnavailable,
            $"The repository '{shown}' at {endpoint} failed{about}: {FirstLine(e.Message)}", e, shown);
    }

    private static Exception? NetworkCause(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
            if (current is HttpRequestException or SocketException) return current;
        return null;
    }

    private static string Describe(AmazonServiceException e) =>
        e.ErrorCode is { Length: > 0 } code ? $"{code}, HTTP {(int)e.StatusCode}" : $"HTTP {(int)e.StatusCode}";

    private static string FirstLine(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }
}
