import { ApiError, type Me, session, whoami } from "./api.js";
import { errorCard, h, replace } from "./dom.js";
import { jobPage } from "./views/job.js";
import { jobsPage } from "./views/jobs.js";
import { projectPage } from "./views/project.js";
import { signInPage } from "./views/signin.js";
import { submitPage } from "./views/submit.js";

/** What a page gets; `signal` aborts its timers and streams when the user navigates away. */
export interface PageContext {
  me: Me;
  main: HTMLElement;
  signal: AbortSignal;
}

let me: Me | null = null;
let leave = new AbortController();

function nav(route: string) {
  const top = document.getElementById("top")!;
  const link = (href: string, label: string, id: string) =>
    h("a", { href, id, class: route === href ? "active" : null }, label);
  if (!me) return replace(top, h("span", { class: "brand" }, "Patchbay"));
  replace(
    top,
    h("span", { class: "brand" }, "Patchbay"),
    link("#/", "Jobs", "nav-jobs"),
    link("#/new", "New job", "nav-new"),
    link("#/project", "Project", "nav-project"),
    h("span", { class: "who", id: "who" }, `${me.projectId} · ${me.scopes.join(", ")} · key ${me.prefix}`),
    h("button", { id: "sign-out", onclick: () => signOut() }, "Sign out"),
  );
}

function signOut(): void {
  session.signOut();
  me = null;
  location.hash = "#/";
  void render();
}

async function render(): Promise<void> {
  leave.abort();
  leave = new AbortController();
  const main = document.getElementById("main")!;
  const route = location.hash.replace(/^#/, "") || "/";
  const key = session.key();
  if (key && !me) {
    try {
      me = await whoami(key);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) session.signOut();
      else return replace(main, errorCard((err as Error).message));
    }
  }
  nav(`#${route}`);
  if (!me) {
    return signInPage(main, async (signedIn) => {
      me = signedIn;
      await render();
    });
  }
  const ctx: PageContext = { me, main, signal: leave.signal };
  const job = /^\/jobs\/([0-9a-f-]{36})$/.exec(route);
  if (job) return jobPage(ctx, job[1]!);
  if (route === "/new") return submitPage(ctx);
  if (route === "/project") return projectPage(ctx);
  return jobsPage(ctx);
}

window.addEventListener("hashchange", () => void render());
void render();
