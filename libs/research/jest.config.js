module.exports = {
  displayName: 'research',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
