using MongoBackup.Engine.Catalog;
using MongoDB.Bson;
using MongoDB.Bson.IO;

namespace MongoBackup.Engine.Dump;

/// <summary>
/// A filter on the documents of the one collection a backup takes, as mongodump's --query / --queryFile: a query
/// document in Extended JSON (relaxed, canonical or shell form, e.g. <c>{ "status": "paid", "total": { "$gt": 100 } }</c>).
/// On a timeseries collection it may only name the metaField, which the server keeps as "meta" in the buckets
/// (mongodump's rule, mongo-tools mongodump/mongodump.go).
/// </summary>
public sealed class DocumentQuery
{
    private DocumentQuery(BsonDocument filter, string text)
    {
        Filter = filter;
        Text = text;
    }

    /// <summary>The filter as given.</summary>
    public BsonDocument Filter { get; }

    /// <summary>The filter as relaxed Extended JSON, as the manifest records it.</summary>
    public string Text { get; }

    /// <param name="json">The query document.</param>
    /// <param name="source">How the user gave it ("-Query", "-QueryFile 'path'"), for the error message.</param>
    /// <exception cref="MongoBackupException">InvalidArgument: the text is not one JSON document.</exception>
    public static DocumentQuery Parse(string json, string source)
    {
        BsonDocument filter;
        try
        {
            filter = BsonDocument.Parse(json);
        }
        catch (Exception e) when (e is FormatException or BsonSerializationException or EndOfStreamException or InvalidOperationException)
        {
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"{source} is not a query document in Extended JSON (for example '{{ \"status\": \"paid\" }}'): {e.Message}", e, source);
        }
        return new DocumentQuery(filter, filter.ToJson(new JsonWriterSettings { OutputMode = JsonOutputMode.RelaxedExtendedJson }));
    }

    /// <summary>The filter the server is sent for <paramref name="collection"/>: on a timeseries one, metaField paths become meta paths.</summary>
    public BsonDocument FilterFor(SourceCollection collection)
    {
        if (collection.Kind != CollectionKind.Timeseries) return Filter;
        var metaField = collection.Options.GetValue("timeseries", new BsonDocument()).AsBsonDocument.GetValue("metaField", BsonNull.Value);
        var rewritten = new BsonDocument();
        foreach (var element in Filter)
        {
            var dot = element.Name.IndexOf('.');
            var head = dot < 0 ? element.Name : element.Name[..dot];
            if (!metaField.IsString || head != metaField.AsString)
                throw new MongoBackupException(ErrorIds.InvalidArgument,
                    $"The query names '{element.Name}', but {collection.Namespace} is a timeseries collection: a query may only name its metaField" +
                    $"{(metaField.IsString ? $" ('{metaField.AsString}')" : " (it has none)")}, as mongodump's --query.", target: collection.Namespace);
            rewritten.Add(dot < 0 ? "meta" : "meta" + element.Name[dot..], element.Value);
        }
        return rewritten;
    }
}
