using MongoDB.Bson;

namespace MongoBackup.Engine.Formats;

/// <summary>
/// Whether a collection's metadata survives mongodump's Extended JSON exactly. Canonical Extended JSON v2 has no way
/// to escape a document whose keys look like a type wrapper: a validator {t: {$ne: {$minKey: 1}}} or a pipeline's
/// {$literal: {"$numberInt": "7"}} is written as text that reads back as another value, or not at all. mongodump
/// refuses such a collection (mongo-tools common/bsonutil, MarshalExtJSONWithBSONRoundtripConsistency); a backup keeps
/// it, stores the exact BSON beside the JSON, and warns that the stock tools will not read that namespace right.
/// </summary>
public static class MetadataJsonFidelity
{
    /// <summary>Null when the metadata's JSON reads back as the same BSON; otherwise which part changes, for a warning.</summary>
    public static string? Problem(CollectionMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        CollectionMetadata parsed;
        try
        {
            parsed = CollectionMetadata.Parse(metadata.ToDumpJson(), metadata.CollectionName);
        }
        catch (InvalidDataException e)
        {
            return $"its metadata cannot be read back from Extended JSON ({e.InnerException?.Message ?? e.Message})";
        }
        var differs = FirstDifference("options", metadata.Options, parsed.Options);
        for (var i = 0; differs is null && i < Math.Max(metadata.Indexes.Count, parsed.Indexes.Count); i++)
            differs = FirstDifference($"indexes[{i}]", metadata.Indexes.ElementAtOrDefault(i), parsed.Indexes.ElementAtOrDefault(i));
        return differs is null ? null : $"its {differs} reads back from Extended JSON as a different value";
    }

    /// <summary>The path of the first element whose BSON differs; null when both are the same bytes.</summary>
    private static string? FirstDifference(string path, BsonValue? original, BsonValue? parsed)
    {
        if (original is null || parsed is null) return original is null && parsed is null ? null : path;
        if (original is BsonDocument a && parsed is BsonDocument b)
        {
            if (a.ElementCount != b.ElementCount) return path;
            for (var i = 0; i < a.ElementCount; i++)
            {
                if (a.GetElement(i).Name != b.GetElement(i).Name) return path;
                if (FirstDifference(path + "." + a.GetElement(i).Name, a[i], b[i]) is { } inner) return inner;
            }
            return null;
        }
        if (original is BsonArray x && parsed is BsonArray y)
        {
            if (x.Count != y.Count) return path;
            for (var i = 0; i < x.Count; i++)
                if (FirstDifference($"{path}[{i}]", x[i], y[i]) is { } inner) return inner;
            return null;
        }
        // Compared as bytes: -0.0 and 0.0, or NaNs of different payloads, are equal values but not the same BSON.
        return new BsonDocument("v", original).ToBson().AsSpan().SequenceEqual(new BsonDocument("v", parsed).ToBson()) ? null : path;
    }
}
