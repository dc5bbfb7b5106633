using MongoBackup.Engine.Model;
using MongoBackup.Engine.Dump;

namespace MongoBackup.PowerShell.Commands;

/// <summary>-Query (Extended JSON text) or -QueryFile (a file holding it), as mongodump's --query and --queryFile; one, not both.</summary>
public static class QueryArguments
{
    public static DocumentQuery? Build(string? query, string? queryFile, Func<string, string> resolvePath)
    {
        if (query is not null && queryFile is not null)
            throw new MongoBackupException(ErrorIds.InvalidArgument, "Give -Query or -QueryFile, not both.", target: "QueryFile");
        if (query is not null) return DocumentQuery.Parse(query, "-Query");
        if (queryFile is null) return null;
        var path = resolvePath(queryFile);
        if (!File.Exists(path))
            throw new MongoBackupException(ErrorIds.InvalidArgument, $"-QueryFile '{path}' does not exist.", target: path);
        return DocumentQuery.Parse(File.ReadAllText(path), $"-QueryFile '{path}'");
    }
}
