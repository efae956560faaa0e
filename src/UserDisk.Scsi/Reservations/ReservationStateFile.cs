using System.Buffers;
using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace UserDisk.Scsi.Reservations;

/// <summary>
/// The persist-through-power-loss file (SPC-5 5.13.5.1): the registrations and the persistent reservation as JSON.
/// It exists only while APTPL is active. Written atomically (a temporary file in the same directory, flushed to
/// disk, renamed over the old one) so a crash leaves the previous state or the new one, never half of either.
/// </summary>
/// <remarks>
/// PRgeneration is not kept: SPC-5 6.15.2 sets it to zero at power on whatever APTPL says. The directory entry is
/// not fsynced (there is no portable managed call for it); after a power cut the rename may be lost, which leaves
/// the previous complete state on disk.
/// </remarks>
internal static class ReservationStateFile
{
    private const string FormatName = "userdisk.persistent-reservations";
    private const int FormatVersion = 1;

    /// <summary>
    /// Reads the state saved at <paramref name="path"/>; null when there is no file. A file that cannot be
    /// understood is an <see cref="InvalidDataException"/> naming it: starting with no reservations instead would
    /// silently drop another host's fence.
    /// </summary>
    public static ReservationState? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var bytes = File.ReadAllBytes(path);
        try
        {
            using var document = JsonDocument.Parse(bytes);
            return Parse(document.RootElement);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or KeyNotFoundException or InvalidDataException)
        {
            // JsonDocument and JsonElement report a malformed document, a missing property or a value of the wrong kind
            // with these; Parse reports values that are well-formed JSON but not a valid state.
            throw Corrupt(path, e.Message, e);
        }
    }

    /// <summary>Replaces the file at <paramref name="path"/> with <paramref name="state"/>, durably.</summary>
    public static void Save(string path, ReservationState state)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            Write(json, state);
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(buffer.WrittenSpan);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Removes the file (APTPL turned off: after a power loss there is nothing to restore).</summary>
    public static void Delete(string path) => File.Delete(path);

    private static void Write(Utf8JsonWriter json, ReservationState state)
    {
        json.WriteStartObject();
        json.WriteString("format", FormatName);
        json.WriteNumber("version", FormatVersion);
        json.WriteStartArray("registrations");
        foreach (var registration in state.Registrations)
        {
            json.WriteStartObject();
            json.WriteBase64String("transportId", registration.TransportId);
            json.WriteNumber("relativeTargetPortId", registration.RelativeTargetPortId);
            json.WriteBoolean("allTargetPorts", registration.AllTargetPorts);
            json.WriteString("key", registration.Key.ToString("x16", CultureInfo.InvariantCulture));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        if (state.IsReserved)
        {
            json.WriteStartObject("reservation");
            json.WriteNumber("type", (int)state.Type);
            if (state.Holder is { } holder)
            {
                json.WriteNumber("holder", state.Registrations.IndexOf(holder));
            }

            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("reservation");
        }

        json.WriteEndObject();
    }

    private static ReservationState Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException("the top level is not a JSON object");
        }

        if (root.GetProperty("format").GetString() != FormatName)
        {
            throw new InvalidDataException($"\"format\" is not \"{FormatName}\"");
        }

        var version = root.GetProperty("version").GetInt32();
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"version {version} is not {FormatVersion}");
        }

        var registrations = ImmutableArray.CreateBuilder<Registration>();
        var index = 0;
        foreach (var entry in root.GetProperty("registrations").EnumerateArray())
        {
            var registration = ParseRegistration(entry, index);
            for (var i = 0; i < registrations.Count; i++)
            {
                if (registrations[i].Overlaps(registration.Initiator, registration.RelativeTargetPortId, registration.AllTargetPorts))
                {
                    throw new InvalidDataException($"registrations {i} and {index} are for the same I_T nexus");
                }
            }

            registrations.Add(registration);
            index++;
        }

        var type = PersistentReservationType.None;
        Registration? holder = null;
        var reservation = root.GetProperty("reservation");
        if (reservation.ValueKind != JsonValueKind.Null)
        {
            var code = reservation.GetProperty("type").GetInt32();
            if (!ReservationState.IsValidType(code))
            {
                throw new InvalidDataException($"reservation type {code} is not a persistent reservation type");
            }

            type = (PersistentReservationType)code;
            if (registrations.Count == 0)
            {
                throw new InvalidDataException("a reservation without registrations");
            }

            if (!ReservationState.IsAllRegistrantsType(type))
            {
                var holderIndex = reservation.GetProperty("holder").GetInt32();
                if (holderIndex < 0 || holderIndex >= registrations.Count)
                {
                    throw new InvalidDataException($"reservation holder {holderIndex} is not a registration");
                }

                holder = registrations[holderIndex];
            }
        }

        // Persist through power loss stays active: the file exists only while it is.
        return new ReservationState(registrations.ToImmutable(), type, holder, aptpl: true, generation: 0, spc2Holder: null);
    }

    private static Registration ParseRegistration(JsonElement entry, int index)
    {
        var transportId = entry.GetProperty("transportId").GetBytesFromBase64();
        var identity = TransportId.Length(transportId) == transportId.Length ? TransportId.Identity(transportId) : null;
        if (identity is null)
        {
            throw new InvalidDataException($"registration {index} has no valid TransportID");
        }

        var port = entry.GetProperty("relativeTargetPortId").GetUInt16();
        var allTargetPorts = entry.GetProperty("allTargetPorts").GetBoolean();
        var keyText = entry.GetProperty("key").GetString();
        if (keyText is null || keyText.Length != 16
            || !ulong.TryParse(keyText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var key) || key == 0)
        {
            throw new InvalidDataException($"registration {index} has no valid reservation key");
        }

        return new Registration(identity, transportId, port, allTargetPorts, key);
    }

    private static InvalidDataException Corrupt(string path, string reason, Exception inner) =>
        new($"The persistent reservation state file '{path}' is corrupt ({reason}). Fix or remove it; the unit does not start with the reservations it may hold forgotten.", inner);
}
