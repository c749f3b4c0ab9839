import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { addSshPin, pinnedSshCommand, sshPin, sshPinArgs } from "./ssh-pin.js";

/** The words sh makes of a GIT_SSH_COMMAND, the way git runs it (`sh -c '<cmd> "$@"'`). */
function words(command: string, ...gitArgs: string[]): string[] {
  const printing = command.replace(/^ssh\b/, "printf '%s\\n'");
  const out = execFileSync("/bin/sh", ["-c", `${printing} "$@"`, "ssh", ...gitArgs], { encoding: "utf8" });
  return out.split("\n").slice(0, -1);
}

describe("ssh pinning", () => {
  it("checks the host key under the URL's name, with the port in known_hosts form when it is not 22", () => {
    expect(sshPin("git.example.com", undefined, "93.184.216.34")).toEqual({
      address: "93.184.216.34",
      hostKeyAlias: "git.example.com",
    });
    expect(sshPin("git.example.com", 22, "93.184.216.34").hostKeyAlias).toBe("git.example.com");
    expect(sshPin("git.example.com", 2222, "2606:2800:220:1::1")).toEqual({
      address: "2606:2800:220:1::1",
      hostKeyAlias: "[git.example.com]:2222",
    });
  });

  it("makes ssh connect to the checked address before git's own arguments", () => {
    const pin = sshPin("git.example.com", 2222, "93.184.216.34");
    expect(sshPinArgs(pin)).toEqual(["-o", "HostName=93.184.216.34", "-o", "HostKeyAlias=[git.example.com]:2222"]);
    expect(
      words(pinnedSshCommand(undefined, pin), "-p", "2222", "git@git.example.com", "git-upload-pack 'r.git'"),
    ).toEqual([
      "-o",
      "HostName=93.184.216.34",
      "-o",
      "HostKeyAlias=[git.example.com]:2222",
      "-p",
      "2222",
      "git@git.example.com",
      "git-upload-pack 'r.git'",
    ]);
  });

  it("quotes a host name for the shell git runs the command with", () => {
    const hostile = "a$(echo injected)'b`echo too`";
    const pin = { address: "93.184.216.34", hostKeyAlias: hostile };
    expect(words(pinnedSshCommand(undefined, pin))).toEqual([
      "-o",
      "HostName=93.184.216.34",
      "-o",
      `HostKeyAlias=${hostile}`,
    ]);
  });

  it("refuses an address that is not an IP and an alias ssh would read as an option", () => {
    expect(() => sshPinArgs({ address: "git.example.com", hostKeyAlias: "git.example.com" })).toThrow(/cannot pin/);
    expect(() => sshPinArgs({ address: "93.184.216.34", hostKeyAlias: "-oProxyCommand=x" })).toThrow(/cannot pin/);
  });

  it("keeps the credentials' ssh command (deploy key, known hosts) and adds the pin to it", () => {
    const pin = sshPin("git.example.com", undefined, "93.184.216.34");
    const keyed = { GIT_SSH_COMMAND: "ssh -F /dev/null -i '/tmp/k/id'", OTHER: "1" };
    expect(addSshPin(keyed, pin)).toEqual({
      OTHER: "1",
      GIT_SSH_COMMAND:
        "ssh -F /dev/null -i '/tmp/k/id' '-o' 'HostName=93.184.216.34' '-o' 'HostKeyAlias=git.example.com'",
    });
    expect(addSshPin({ GIT_SSH: "/opt/my ssh" }, pin).GIT_SSH_COMMAND).toBe(
      "'/opt/my ssh' '-o' 'HostName=93.184.216.34' '-o' 'HostKeyAlias=git.example.com'",
    );
    expect(addSshPin(keyed, undefined)).toBe(keyed);
  });
});
