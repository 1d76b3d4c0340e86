import { isRouteErrorResponse, Links, Meta, Outlet, Scripts, ScrollRestoration, useRouteLoaderData } from "react-router";
import type { Route } from "./+types/root";
import stylesheet from "./app.css?url";

export const links: Route.LinksFunction = () => [
  { rel: "stylesheet", href: stylesheet },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

/** The response's CSP nonce, so React Router's inline scripts may run. */
export function loader({ context }: Route.LoaderArgs) {
  return { cspNonce: context.shop.cspNonce };
}

// The nonce only matters for the document; client navigations need no new one.
export const shouldRevalidate = () => false;

export function Layout({ children }: { children: React.ReactNode }) {
  const nonce = useRouteLoaderData<typeof loader>("root")?.cspNonce;
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links nonce={nonce} />
      </head>
      <body>
        {children}
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  let title = "Something went wrong";
  let message = "We couldn't load this page. Please try again in a moment.";
  let traceId: string | undefined;
  if (isRouteErrorResponse(error)) {
    if (error.status === 404) {
      title = "Page not found";
      message = "We couldn't find that page. It may have moved or sold out.";
    } else if (typeof error.data === "object" && error.data && "message" in error.data) {
      title = error.status === 503 ? "The shop is taking a short break" : title;
      message = String(error.data.message);
      traceId = "traceId" in error.data ? String(error.data.traceId) : undefined;
    }
  }
  return (
    <main className="page error-page" id="main">
      <h1>{title}</h1>
      <p>{message}</p>
      {traceId ? (
        <p className="muted">
          If this keeps happening, quote this reference to support: <code>{traceId}</code>
        </p>
      ) : null}
      <p>
        <a href="/">Back to the shop</a>
      </p>
    </main>
  );
}
