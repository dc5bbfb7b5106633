using System.Security.Cryptography;
using System.Text;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Auth;

/// <summary>
/// The server side of one SCRAM exchange (RFC 5802 / 7677): client-first -> server-first (nonce, salt, iterations),
/// client-final (proof) -> server-final (verifier). Credentials come from the user's stored document.
/// </summary>
internal sealed class ScramConversation
{
    private readonly ScramMechanism _mechanism;
    private readonly BsonDocument _credential;
    private readonly string _clientFirstBare;
    private readonly string _serverFirst;
    private readonly string _nonce;

    private ScramConversation(ScramMechanism mechanism, string userName, string database, BsonDocument credential, string clientFirstBare, string clientNonce)
    {
        _mechanism = mechanism;
        _credential = credential;
        UserName = userName;
        Database = database;
        _clientFirstBare = clientFirstBare;
        _nonce = clientNonce + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
        _serverFirst = $"r={_nonce},s={credential["salt"].AsString},i={credential["iterationCount"].ToInt32()}";
    }

    public string UserName { get; }
    public string Database { get; }
    public byte[] ServerFirstMessage => Encoding.UTF8.GetBytes(_serverFirst);

    /// <summary>Starts from the client-first message; <paramref name="findUser"/> returns the stored user document or null.</summary>
    public static ScramConversation Start(string mechanismName, byte[] payload, string database, Func<string, BsonDocument?> findUser)
    {
        var mechanism = ScramMechanism.Named(mechanismName)
            ?? throw new CommandFailure(334, "MechanismUnavailable", $"Received authentication for mechanism {mechanismName} which is not enabled");
        var text = Encoding.UTF8.GetString(payload);
        if (!text.StartsWith("n,", StringComparison.Ordinal)) throw CommandFailure.BadValue("SCRAM client-first message must start with the gs2 header 'n,'");
        var bare = text[(text.IndexOf(',', 2) + 1)..];
        var attributes = ParseAttributes(bare);
        if (!attributes.TryGetValue('n', out var user) || !attributes.TryGetValue('r', out var clientNonce))
            throw CommandFailure.BadValue("SCRAM client-first message lacks n= or r=");
        user = user.Replace("=2C", ",").Replace("=3D", "=");
        var userDocument = findUser(user);
        if (userDocument == null || !userDocument.TryGetValue("credentials", out var credentials) ||
            !credentials.AsBsonDocument.TryGetValue(mechanism.Name, out var credential))
            throw CommandFailure.AuthenticationFailed();
        return new ScramConversation(mechanism, user, database, credential.AsBsonDocument, bare, clientNonce);
    }

    /// <summary>Checks the client proof; returns the server-final message, or throws AuthenticationFailed.</summary>
    public byte[] Finish(byte[] payload)
    {
        var clientFinal = Encoding.UTF8.GetString(payload);
        var proofAt = clientFinal.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofAt < 0) throw CommandFailure.AuthenticationFailed();
        var withoutProof = clientFinal[..proofAt];
        var attributes = ParseAttributes(withoutProof);
        if (!attributes.TryGetValue('r', out var nonce) || nonce != _nonce) throw CommandFailure.AuthenticationFailed();
        var proof = Convert.FromBase64String(clientFinal[(proofAt + 3)..]);
        var authMessage = _clientFirstBare + "," + _serverFirst + "," + withoutProof;
        var storedKey = Convert.FromBase64String(_credential["storedKey"].AsString);
        var clientSignature = _mechanism.Hmac(storedKey, authMessage);
        if (proof.Length != clientSignature.Length) throw CommandFailure.AuthenticationFailed();
        var clientKey = new byte[proof.Length];
        for (var i = 0; i < proof.Length; i++) clientKey[i] = (byte)(proof[i] ^ clientSignature[i]);
        if (!CryptographicOperations.FixedTimeEquals(_mechanism.Digest(clientKey), storedKey)) throw CommandFailure.AuthenticationFailed();
        var serverKey = Convert.FromBase64String(_credential["serverKey"].AsString);
        return Encoding.UTF8.GetBytes("v=" + Convert.ToBase64String(_mechanism.Hmac(serverKey, authMessage)));
    }

    private static Dictionary<char, string> ParseAttributes(string message)
    {
        var attributes = new Dictionary<char, string>();
        foreach (var part in message.Split(','))
            if (part.Length >= 2 && part[1] == '=') attributes[part[0]] = part[2..];
        return attributes;
    }
}
