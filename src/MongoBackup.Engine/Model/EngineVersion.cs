namespace MongoBackup.Engine.Model;

/// <summary>
/// The version of MongoBackup doing the work ("major.minor.patch" of the engine assembly), recorded in every manifest it
/// writes (<see cref="SnapshotManifest.ToolVersion"/>) and in the prelude of the archives it exports.
/// </summary>
public static class EngineVersion
{
    /// <summary>"major.minor.patch" of the engine assembly; "0.0.0" when it carries no version.</summary>
    public static string Current => typeof(EngineVersion).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
