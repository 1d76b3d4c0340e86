// Shipping addresses in the seeded shop's region that tests, bench and load submit. Plain
// data, so it also loads inside workerd (the Workers tests).

/** Austin: Texas tax, and the Texas-only shipping option. */
export const TEXAS_ADDRESS = {
  first_name: "Ada",
  last_name: "Lovelace",
  address_1: "1100 Congress Ave",
  city: "Austin",
  postal_code: "78701",
  province: "us-tx",
  country_code: "us",
};

export const CALIFORNIA_ADDRESS = {
  first_name: "Grace",
  last_name: "Hopper",
  address_1: "100 Main St",
  city: "Los Angeles",
  postal_code: "90012",
  province: "us-ca",
  country_code: "us",
};
