import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostPackageRegistries, parsePipConfigList } from "./registries.js";

describe("parsePipConfigList", () => {
  it("reads index-url and extra-index-url from every scope", () => {
    const text = [
      "global.cert='/etc/ssl/certs/ca.crt'",
      "global.index-url='https://mirror.example.org/simple'",
      "global.extra-index-url='file:///opt/pypi/simple https://extra.example.org/simple'",
      ":env:.extra-index-url='http://env.example.org:8080/simple\\nhttps://two.example.org/'",
    ].join("\n");
    expect(parsePipConfigList(text)).toEqual({
      indexUrls: ["https://mirror.example.org/simple"],
      all: [
        "https://mirror.example.org/simple",
        "file:///opt/pypi/simple",
        "https://extra.example.org/simple",
        "http://env.example.org:8080/simple",
        "https://two.example.org/",
      ],
      cert: "/etc/ssl/certs/ca.crt",
    });
  });
});

describe("hostPackageRegistries", () => {
  let bin: string;
  beforeAll(async () => {
    bin = await mkdtemp(join(tmpdir(), "pb-registries-"));
    // Stand-ins for the host's npm and pip: real executables on PATH printing what the tools print.
    // `npm config get registry cafile` prints key=value lines.
    await writeFile(
      join(bin, "npm"),
      "#!/bin/sh\necho 'registry=http://npm.mirror.example:4873/'\necho 'cafile=/etc/ssl/certs/corp-bundle.pem'\n",
    );
    await writeFile(
      join(bin, "pip3"),
      "#!/bin/sh\n[ \"$1\" = --version ] && { echo 'pip 23'; exit 0; }\n" +
        "echo \"global.index-url='https://pypi.mirror.example/simple'\"\n" +
        "echo \"global.extra-index-url='file:///opt/wheels'\"\n",
    );
    await Promise.all(["npm", "pip3"].map((f) => chmod(join(bin, f), 0o755)));
  });
  afterAll(() => rm(bin, { recursive: true, force: true }));

  it("takes the registries and the CA bundle from the host's npm and pip configuration, http(s) only", async () => {
    const found = await hostPackageRegistries({ env: { PATH: bin } });
    expect(found).toEqual({
      hosts: ["npm.mirror.example:4873", "pypi.mirror.example"],
      npmRegistry: "http://npm.mirror.example:4873/",
      pipIndexUrls: ["https://pypi.mirror.example/simple"],
      caBundle: "/etc/ssl/certs/corp-bundle.pem",
    });
  });

  it("tolerates missing tools", async () => {
    expect(await hostPackageRegistries({ env: { PATH: join(bin, "none") } })).toEqual({
      hosts: [],
      npmRegistry: null,
      pipIndexUrls: [],
      caBundle: null,
    });
  });
});
