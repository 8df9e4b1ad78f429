/**
 * The paths of the web page's static files, which carry no data and so are served without the API
 * key: the page itself asks for the key and sends it with every API request it makes.
 */
export function isUiPath(pathname: string): boolean {
  return pathname === '/ui' || pathname.startsWith('/ui/');
}
