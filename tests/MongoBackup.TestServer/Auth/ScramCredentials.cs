using System.Security.Cryptography;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Auth;

/// <summary>Builds the credentials sub-document MongoDB stores in admin.system.users for a password.</summary>
internal static class ScramCredentials
{
    public static BsonDocument For(string user, string password)
    {
        var credentials = new BsonDocument();
        foreach (var mechanism in new[] { ScramMechanism.Sha1, ScramMechanism.Sha256 })
        {
            var salt = RandomNumberGenerator.GetBytes(mechanism.SaltLength);
            var salted = mechanism.SaltedPassword(user, password, salt, mechanism.Iterations);
            var clientKey = mechanism.Hmac(salted, "Client Key");
            credentials.Add(mechanism.Name, new BsonDocument
            {
                { "iterationCount", mechanism.Iterations },
                { "salt", Convert.ToBase64String(salt) },
                { "storedKey", Convert.ToBase64String(mechanism.Digest(clientKey)) },
                { "serverKey", Convert.ToBase64String(mechanism.Hmac(salted, "Server Key")) },
            });
        }
        return credentials;
    }
}
