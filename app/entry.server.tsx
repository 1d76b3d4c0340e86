import { isbot } from "isbot";
import { renderToReadableStream } from "react-dom/server";
import type { AppLoadContext, EntryContext } from "react-router";
import { ServerRouter } from "react-router";

export const streamTimeout = 5_000;

export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  routerContext: EntryContext,
  loadContext: AppLoadContext,
) {
  const nonce = loadContext.shop.cspNonce;
  let shellRendered = false;
  const userAgent = request.headers.get("user-agent");
  const controller = new AbortController();
  const timeout = setTimeout(() => controller.abort(), streamTimeout + 1_000);

  const body = await renderToReadableStream(<ServerRouter context={routerContext} url={request.url} nonce={nonce} />, {
    nonce,
    signal: controller.signal,
    onError(error: unknown) {
      responseStatusCode = 500;
      // Errors during the shell are reported by React Router; log only streaming ones.
      if (shellRendered) console.error(JSON.stringify({ level: "error", msg: "render failed", error: String(error) }));
    },
  });
  shellRendered = true;

  // Bots and SPA-mode wait for the whole document so they see finished content.
  if ((userAgent && isbot(userAgent)) || routerContext.isSpaMode) await body.allReady;
  void body.allReady.finally(() => clearTimeout(timeout));

  responseHeaders.set("Content-Type", "text/html");
  return new Response(body, { headers: responseHeaders, status: responseStatusCode });
}
