import { addressLines, type PostalAddress } from "~/lib/address-lines";

/** A postal address as an envelope shows it, one line per part (address-lines.ts). */
export function AddressBlock({ address }: { address: PostalAddress }) {
  return (
    <address>
      {addressLines(address).map((line, index) => (
        <span key={index}>
          {index > 0 ? <br /> : null}
          {line}
        </span>
      ))}
    </address>
  );
}
