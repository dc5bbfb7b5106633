using MongoDB.Bson;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// The changeStreamPreAndPostImages collection option as mongod keeps it: shown (by listCollections, in the create
/// entry) only while enabled (src/mongo/db/catalog/collection_options.cpp, toBSON appends it when getEnabled()), so
/// {enabled: false} leaves no trace; refused on a view (src/mongo/db/catalog/database_impl.cpp, createView:
/// "option not supported on a view: changeStreamPreAndPostImages").
/// </summary>
internal static class PreAndPostImagesOption
{
    public const string Name = "changeStreamPreAndPostImages";

    /// <summary>The options with {enabled: false} dropped; throws when a view asks for the images.</summary>
    public static BsonDocument Normalized(BsonDocument options, bool isView)
    {
        if (!options.TryGetValue(Name, out var value)) return options;
        if (!IsEnabled(value)) return new BsonDocument(options.Where(e => e.Name != Name));
        if (isView) throw CommandFailure.InvalidOptions($"option not supported on a view: {Name}");
        return options;
    }

    /// <summary>Applies a collMod's value to the options: enabled sets it, disabled removes it.</summary>
    public static void Modify(BsonDocument options, BsonValue value)
    {
        if (IsEnabled(value)) options[Name] = value;
        else options.Remove(Name);
    }

    private static bool IsEnabled(BsonValue value) =>
        value is BsonDocument d && d.TryGetValue("enabled", out var enabled) && enabled.ToBoolean();
}
