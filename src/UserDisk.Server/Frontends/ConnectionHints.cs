using System.Net;
using System.Text;
using UserDisk.Server.Configuration;

namespace UserDisk.Server.Frontends;

/// <summary>
/// Ready-to-paste libiscsi command lines for the targets being served. CHAP secrets are never printed: the URL
/// shows the user name and a placeholder (<c>iscsi://user%SECRET@host</c>, libiscsi's form).
/// </summary>
public static class ConnectionHints
{
    /// <param name="portals">Each target's bound portal (the real port when the configured one was 0).</param>
    public static string Format(IReadOnlyList<(TargetOptions Target, IPEndPoint Portal)> portals)
    {
        ArgumentNullException.ThrowIfNull(portals);
        var builder = new StringBuilder();
        foreach (IGrouping<string, (TargetOptions Target, IPEndPoint Portal)> group in portals.GroupBy(p => EndpointText.Format(EndpointText.Dialable(p.Portal))))
        {
            builder.Append("Discovery URL: iscsi://").Append(group.Key).Append('\n');
            (TargetOptions Target, IPEndPoint Portal) first = group.First();
            builder.Append("  iscsi-ls ").Append(Url(first.Target, group.Key)).Append('\n');
            foreach ((TargetOptions target, _) in group)
            {
                foreach (LunOptions lun in target.Luns)
                {
                    builder.Append("  iscsi-inq ").Append(Url(target, group.Key)).Append('/').Append(target.Name).Append('/').Append(lun.Number).Append('\n');
                }
            }
        }

        return builder.ToString();
    }

    private static string Url(TargetOptions target, string portal) =>
        target.Chap is { } chap ? $"iscsi://{chap.UserName}%SECRET@{portal}" : $"iscsi://{portal}";
}
