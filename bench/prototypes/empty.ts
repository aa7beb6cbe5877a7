/** Init floor: a bundle with no dependencies; what every other init figure includes. */
export const handler = async () => ({ statusCode: 204, body: '' });
