import { PatchbayError } from "@patchbay/core";
import { describe, expect, it } from "vitest";
import { Prisma } from "./generated/prisma/client.js";
import { isStorageOutage } from "./storage-errors.js";

const unreachable = () =>
  new Prisma.PrismaClientKnownRequestError("Can't reach database server at `127.0.0.1:5432`", {
    code: "P1001",
    clientVersion: Prisma.prismaVersion.client,
  });

describe("isStorageOutage", () => {
  it("is true for Prisma's unreachable-database error, alone or wrapped as a cause", () => {
    expect(isStorageOutage(unreachable())).toBe(true);
    const wrapped = new PatchbayError("internal", "loading secrets failed", { cause: unreachable() });
    expect(isStorageOutage(wrapped)).toBe(true);
  });

  it("is false for a query the database refused for its content", () => {
    const unique = new Prisma.PrismaClientKnownRequestError("Unique constraint failed", {
      code: "P2002",
      clientVersion: Prisma.prismaVersion.client,
    });
    expect(isStorageOutage(unique)).toBe(false);
  });

  it("is false for errors from elsewhere that speak of connections", () => {
    expect(isStorageOutage(new PatchbayError("model_unreachable", "connect ECONNREFUSED 127.0.0.1:4000"))).toBe(false);
    expect(isStorageOutage(new Error("socket hang up"))).toBe(false);
    expect(isStorageOutage("connection terminated")).toBe(false);
  });
});
